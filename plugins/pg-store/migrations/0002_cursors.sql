-- Small named positions a plugin must not lose across restarts (e.g. a polling offset).
create table cg_cursors (
  name       text primary key,
  value      text not null,
  updated_at timestamptz not null
);
