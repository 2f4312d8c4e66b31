import Database from 'better-sqlite3';
import { buildLarge, tempHome } from '../bench/dataset';
import fs from 'node:fs';
const tasks = Number(process.argv[2] ?? 100000);
const paths = tempHome(`plan-${tasks}`);
buildLarge(paths, { tasks, ready: Math.floor(tasks / 5) });
const db = new Database(paths.database);
const sel = `SELECT t.id FROM tasks_with_skips t WHERE t.board = ? AND t.assignee IS ? AND t.status = ? ORDER BY t.priority DESC, t.created_at, t.id LIMIT 12`;
console.log(db.prepare('EXPLAIN QUERY PLAN ' + sel).all('default', 'agent-1', 'todo'));
const seld = `SELECT t.id FROM tasks_with_skips t WHERE t.board = ? AND t.assignee IS ? AND t.status = 'done' ORDER BY coalesce(t.completed_at, t.updated_at) DESC, t.id LIMIT 12`;
console.log(db.prepare('EXPLAIN QUERY PLAN ' + seld).all('default', 'agent-1'));
console.log(db.prepare("select sql from sqlite_master where type in ('index','view') and sql like '%tasks%'").all().map((r: any) => r.sql).join('\n'));
const cells = db.prepare("SELECT assignee, status, count(*) n FROM tasks WHERE board='default' AND status<>'archived' GROUP BY assignee, status").all() as any[];
for (const [label, ddl] of [['before', ''], ['after', "CREATE INDEX tasks_done_by_board_assignee ON tasks (board, assignee, coalesce(completed_at, updated_at) DESC, id) WHERE status = 'done'"]]) {
if (ddl) db.exec(ddl);
console.log(label, db.prepare('EXPLAIN QUERY PLAN ' + seld).all('default', 'agent-1').map((r: any) => r.detail));
let t = performance.now();
const st = db.prepare(sel); const sd = db.prepare(seld);
for (const c of cells) c.status === 'done' ? sd.all('default', c.assignee) : st.all('default', c.assignee, c.status);
console.log('cells', cells.length, 'ms', performance.now() - t);
t = performance.now(); for (const c of cells) if (c.status === 'done') sd.all('default', c.assignee); console.log('done cells ms', performance.now() - t);
}
t = performance.now(); db.prepare("SELECT assignee, status, count(*) n FROM tasks WHERE board='default' AND status<>'archived' GROUP BY assignee, status").all(); console.log('counts ms', performance.now() - t);
fs.rmSync(paths.home, { recursive: true, force: true });
