import { PGlite } from '@electric-sql/pglite';
import { writeFileSync, readFileSync } from 'node:fs';
const mode = process.argv[2];
const t0 = Date.now();
if (mode === 'dump') {
  const db = await PGlite.create();
  await db.exec("create table t(a int); insert into t select generate_series(1,1000); analyze;");
  const blob = await db.dumpDataDir('gzip');
  writeFileSync('/tmp/pgdump.tgz', Buffer.from(await blob.arrayBuffer()));
  console.log('dumped', Date.now() - t0, 'size', readFileSync('/tmp/pgdump.tgz').length);
} else {
  const buf = readFileSync('/tmp/pgdump.tgz');
  const db = await PGlite.create({ loadDataDir: new Blob([buf]) });
  console.log('loaded', Date.now() - t0, 'rss', Math.round(process.memoryUsage().rss/1e6), (await db.query('select count(*) from t')).rows);
}
