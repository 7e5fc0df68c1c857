/**
 * The embedded demo database: a small shop (customers, products, orders, order items) with
 * deterministic data, so the README's first command has something real to list, describe and query.
 */
export const DEMO_DATABASE = 'demo';

export const DEMO_SEED_SQL = `
CREATE TABLE customers (
  id          integer PRIMARY KEY,
  name        text NOT NULL,
  email       text NOT NULL UNIQUE,
  country     char(2) NOT NULL,
  created_at  timestamptz NOT NULL
);
COMMENT ON TABLE customers IS 'People and companies that buy from the shop';

CREATE TABLE products (
  id        integer PRIMARY KEY,
  sku       text NOT NULL UNIQUE,
  name      text NOT NULL,
  category  text NOT NULL,
  price     numeric(10, 2) NOT NULL CHECK (price >= 0)
);

CREATE TABLE orders (
  id           integer PRIMARY KEY,
  customer_id  integer NOT NULL REFERENCES customers (id),
  status       text NOT NULL CHECK (status IN ('pending', 'paid', 'shipped', 'cancelled')),
  ordered_at   timestamptz NOT NULL,
  total        numeric(12, 2) NOT NULL DEFAULT 0
);
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
CREATE INDEX orders_ordered_at_idx ON orders (ordered_at);

CREATE TABLE order_items (
  order_id    integer NOT NULL REFERENCES orders (id),
  product_id  integer NOT NULL REFERENCES products (id),
  quantity    integer NOT NULL CHECK (quantity > 0),
  unit_price  numeric(10, 2) NOT NULL,
  PRIMARY KEY (order_id, product_id)
);

INSERT INTO customers (id, name, email, country, created_at)
SELECT i,
       (ARRAY['Ana Santos', 'Ben Cruz', 'Carla Reyes', 'Dan Lim', 'Eva Tan', 'Felix Go', 'Gina Uy', 'Hugo Sy',
              'Iris Chua', 'Jon Dela Cruz', 'Kim Ramos', 'Leo Garcia', 'Mia Lopez', 'Noel Aquino', 'Olga Bautista',
              'Paul Mendoza', 'Quinn Torres', 'Rita Flores', 'Sam Villanueva', 'Tess Navarro'])[i],
       'customer' || i || '@example.com',
       (ARRAY['PH', 'SG', 'US', 'AU', 'JP'])[1 + i % 5],
       timestamptz '2025-01-01 08:00:00+00' + (i * interval '9 days')
FROM generate_series(1, 20) AS i;

INSERT INTO products (id, sku, name, category, price) VALUES
  (1, 'KB-101', 'Mechanical keyboard', 'peripherals', 89.00),
  (2, 'MS-201', 'Wireless mouse', 'peripherals', 29.50),
  (3, 'MN-301', '27" monitor', 'displays', 249.00),
  (4, 'MN-302', '32" 4K monitor', 'displays', 429.00),
  (5, 'LP-401', '14" laptop', 'computers', 1199.00),
  (6, 'LP-402', '16" laptop', 'computers', 1799.00),
  (7, 'HD-501', 'Noise-cancelling headset', 'audio', 159.00),
  (8, 'SP-601', 'Desk speakers', 'audio', 79.00),
  (9, 'CB-701', 'USB-C cable (2 m)', 'accessories', 12.90),
  (10, 'DK-801', 'USB-C dock', 'accessories', 139.00),
  (11, 'WC-901', '1080p webcam', 'peripherals', 69.00),
  (12, 'CH-111', 'Office chair', 'furniture', 329.00),
  (13, 'DS-121', 'Standing desk', 'furniture', 549.00),
  (14, 'LT-131', 'Desk lamp', 'furniture', 45.00),
  (15, 'SS-141', '1 TB SSD', 'storage', 99.00);

INSERT INTO orders (id, customer_id, status, ordered_at)
SELECT i,
       1 + (i * 7) % 20,
       (ARRAY['pending', 'paid', 'paid', 'shipped', 'shipped', 'shipped', 'cancelled'])[1 + i % 7],
       timestamptz '2026-01-05 10:00:00+00' + (i * interval '2 days 3 hours')
FROM generate_series(1, 60) AS i;

INSERT INTO order_items (order_id, product_id, quantity, unit_price)
SELECT o.id, p.id, 1 + (o.id + p.id) % 3, p.price
FROM orders o
JOIN products p ON p.id IN (1 + o.id % 15, 1 + (o.id * 4) % 15)
ON CONFLICT DO NOTHING;

UPDATE orders o SET total = s.total
FROM (SELECT order_id, sum(quantity * unit_price) AS total FROM order_items GROUP BY order_id) s
WHERE s.order_id = o.id;

CREATE VIEW revenue_by_month AS
SELECT date_trunc('month', ordered_at) AS month, count(*) AS orders, sum(total) AS revenue
FROM orders WHERE status <> 'cancelled'
GROUP BY 1;

ANALYZE;
`;
