/** eFPS filing group (A–E): groups file on staggered days after the regular due date. */
export type EfpsGroup = 'A' | 'B' | 'C' | 'D' | 'E';

/** BIR taxpayer size classification (RR 8-2024 under the Ease of Paying Taxes Act). */
export type TaxpayerClass = 'micro' | 'small' | 'medium' | 'large';

/** One business unit (a row of `agencies`). */
export interface Agency {
  code: string;
  name: string;
  /** Fake but well-formed TIN, `NNN-NNN-NNN-BBB` (the last group is the branch code). */
  tin: string;
  branchCode: string;
  /** eFPS group, or null for a unit that files through eBIRForms. */
  efpsGroup: EfpsGroup | null;
  vatRegistered: boolean;
  hasEmployees: boolean;
  taxpayerClass: TaxpayerClass;
  /** 12 for a calendar year; anything else is a fiscal year ending that month. */
  fiscalYearEndMonth: number;
}

/**
 * The 8 business units of the reference deployment: a finance shared-service centre serving
 * Philippine companies. TINs start with 000 so they can never be mistaken for real ones.
 */
export const REFERENCE_AGENCIES: readonly Agency[] = [
  { code: 'ACME-MNL', name: 'Acme Shared Services Manila Inc.', tin: '000-123-456-000', branchCode: '000', efpsGroup: 'A', vatRegistered: true, hasEmployees: true, taxpayerClass: 'large', fiscalYearEndMonth: 12 },
  { code: 'ACME-CEB', name: 'Acme Visayas Trading Corp.', tin: '000-234-567-000', branchCode: '000', efpsGroup: 'B', vatRegistered: true, hasEmployees: true, taxpayerClass: 'large', fiscalYearEndMonth: 12 },
  { code: 'ACME-DVO', name: 'Acme Mindanao Agri-Ventures Inc.', tin: '000-345-678-000', branchCode: '000', efpsGroup: 'C', vatRegistered: true, hasEmployees: true, taxpayerClass: 'medium', fiscalYearEndMonth: 6 },
  { code: 'ACME-CLK', name: 'Acme Clark Logistics Corp.', tin: '000-456-789-000', branchCode: '000', efpsGroup: 'D', vatRegistered: true, hasEmployees: true, taxpayerClass: 'medium', fiscalYearEndMonth: 12 },
  { code: 'ACME-ILO', name: 'Acme Iloilo Property Holdings Inc.', tin: '000-567-891-000', branchCode: '000', efpsGroup: 'E', vatRegistered: true, hasEmployees: false, taxpayerClass: 'small', fiscalYearEndMonth: 12 },
  { code: 'ACME-BCD', name: 'Acme Negros Sugar Marketing Corp.', tin: '000-678-912-000', branchCode: '000', efpsGroup: null, vatRegistered: false, hasEmployees: true, taxpayerClass: 'small', fiscalYearEndMonth: 9 },
  { code: 'ACME-CDO', name: 'Acme Northern Mindanao Services Inc.', tin: '000-789-123-000', branchCode: '000', efpsGroup: null, vatRegistered: false, hasEmployees: true, taxpayerClass: 'micro', fiscalYearEndMonth: 12 },
  { code: 'ACME-BAG', name: 'Acme Cordillera BPO Inc.', tin: '000-891-234-000', branchCode: '000', efpsGroup: 'A', vatRegistered: true, hasEmployees: true, taxpayerClass: 'medium', fiscalYearEndMonth: 12 },
];
