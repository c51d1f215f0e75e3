-- cowork-gateway pg-store baseline: every table of the Store contract.
-- Runs inside the migration transaction with search_path set to the store's schema.
-- `pos` columns record insertion order: the tie-break after timestamps (FIFO for equal times).

create table cg_identities (
  identity_id      text primary key,
  pos              bigint generated always as identity,
  provider         text not null,
  workspace_id     text not null default '',
  external_user_id text not null,
  role             text not null check (role in ('owner', 'admin', 'member', 'approver', 'viewer')),
  status           text not null check (status in ('active', 'disabled')),
  created_at       timestamptz not null,
  updated_at       timestamptz not null,
  unique (provider, workspace_id, external_user_id)
);
create index cg_identities_provider_status on cg_identities (provider, status);

create table cg_sessions (
  session_id          text primary key,
  pos                 bigint generated always as identity,
  instance            text not null,
  provider_kind       text not null,
  workspace_id        text not null default '',
  chat_id             text not null,
  thread_id           text not null default '',
  title               text not null,
  status              text not null check (status in ('idle', 'running', 'blocked', 'failed', 'completed')),
  executor_session_id text,
  last_event_seq      integer not null default 0,
  created_at          timestamptz not null,
  updated_at          timestamptz not null,
  unique (instance, workspace_id, chat_id, thread_id)
);
create index cg_sessions_recent on cg_sessions (updated_at desc, pos desc);
create index cg_sessions_prunable on cg_sessions (updated_at) where status in ('idle', 'failed', 'completed');

create table cg_session_events (
  session_id text not null references cg_sessions (session_id) on delete cascade,
  seq        integer not null,
  type       text not null,
  payload    jsonb not null,
  trace_id   text,
  created_at timestamptz not null,
  primary key (session_id, seq)
);
create index cg_session_events_trace on cg_session_events (trace_id) where trace_id is not null;

create table cg_inbound_claims (
  key              text primary key,
  pos              bigint generated always as identity,
  instance         text not null,
  event_id         text not null,
  status           text not null check (status in ('processing', 'completed', 'failed')),
  owner            text not null,
  token            text not null,
  lease_expires_at timestamptz not null,
  retryable        boolean not null,
  attempts         integer not null,
  trace_id         text not null,
  last_error       text,
  result           jsonb,
  created_at       timestamptz not null,
  updated_at       timestamptz not null
);
create index cg_inbound_claims_event on cg_inbound_claims (instance, event_id);
create index cg_inbound_claims_trace on cg_inbound_claims (trace_id);

-- Jobs. `at_queue_head` is true for a job without a queue key, and for the oldest unfinished
-- job of its queue; only such jobs are claimable, so a claim reads the head of one small index
-- (cg_jobs_ready) whatever the backlog. It is maintained under a per-queue advisory lock.
create table cg_jobs (
  job_id           text primary key,
  pos              bigint generated always as identity,
  kind             text not null check (kind in ('prompt', 'workflow', 'watch', 'team_task')),
  status           text not null check (status in ('pending', 'running', 'completed', 'failed', 'dead')),
  idempotency_key  text not null unique,
  queue_key        text,
  at_queue_head    boolean not null,
  session_id       text,
  payload          jsonb not null,
  trace_id         text,
  attempts         integer not null,
  max_attempts     integer not null check (max_attempts >= 1),
  run_at           timestamptz not null,
  claimed_by       text,
  claim_token      text,
  lease_expires_at timestamptz,
  last_error       text,
  result           jsonb,
  created_at       timestamptz not null,
  updated_at       timestamptz not null
);
create index cg_jobs_ready on cg_jobs (run_at, created_at, pos) where status = 'pending' and at_queue_head;
create index cg_jobs_leased on cg_jobs (lease_expires_at) where status = 'running';
create index cg_jobs_queue on cg_jobs (queue_key, created_at, pos) where status in ('pending', 'running') and queue_key is not null;
create index cg_jobs_session_active on cg_jobs (session_id) where status in ('pending', 'running') and session_id is not null;
create index cg_jobs_finished on cg_jobs (updated_at) where status in ('completed', 'failed', 'dead');
create index cg_jobs_recent on cg_jobs (created_at desc, pos desc);
create index cg_jobs_trace on cg_jobs (trace_id) where trace_id is not null;

create table cg_deliveries (
  delivery_id      text primary key,
  pos              bigint generated always as identity,
  instance         text not null,
  target           jsonb not null,
  purpose          text not null check (purpose in ('reply', 'notice', 'error')),
  session_id       text,
  job_id           text,
  trace_id         text,
  chunks           jsonb not null,
  chunks_sent      integer not null,
  status           text not null check (status in ('pending', 'sending', 'sent', 'dead')),
  attempts         integer not null,
  max_attempts     integer not null check (max_attempts >= 1),
  next_attempt_at  timestamptz not null,
  claimed_by       text,
  claim_token      text,
  lease_expires_at timestamptz,
  last_error       text,
  dead_reason      text,
  expires_at       timestamptz not null,
  created_at       timestamptz not null,
  updated_at       timestamptz not null
);
create index cg_deliveries_due on cg_deliveries (next_attempt_at, created_at, pos) where status = 'pending';
create index cg_deliveries_leased on cg_deliveries (lease_expires_at) where status = 'sending';
create index cg_deliveries_recent on cg_deliveries (created_at desc, pos desc);
create index cg_deliveries_trace on cg_deliveries (trace_id) where trace_id is not null;

create table cg_audit_events (
  audit_id   text primary key,
  pos        bigint generated always as identity,
  type       text not null,
  actor      text not null,
  metadata   jsonb not null,
  trace_id   text,
  created_at timestamptz not null
);
create index cg_audit_events_recent on cg_audit_events (created_at desc, pos desc);
create index cg_audit_events_type on cg_audit_events (type, created_at desc);
create index cg_audit_events_trace on cg_audit_events (trace_id) where trace_id is not null;

-- Artifact metadata outlives its session on purpose: it has its own retention window.
create table cg_artifacts (
  artifact_id  text primary key,
  pos          bigint generated always as identity,
  session_id   text,
  filename     text not null,
  content_type text not null,
  storage_uri  text not null,
  size_bytes   bigint not null,
  created_at   timestamptz not null
);
create index cg_artifacts_recent on cg_artifacts (created_at desc, pos desc);
create index cg_artifacts_session on cg_artifacts (session_id);

create table cg_leases (
  name       text primary key,
  holder     text not null,
  token      text not null,
  expires_at timestamptz not null
);

-- Queue heads. A job of a queue becomes claimable only as the head: the oldest unfinished job
-- of its queue. Who is head changes only under the queue's advisory lock (class 0x63676a71),
-- and each check runs as its own statement after the lock is taken, so it sees every change
-- committed by the previous holder (READ COMMITTED takes a snapshot per statement).

-- Marks the oldest unfinished job of `p_queue_key` as head; the caller holds the queue lock.
create function cg_promote_queue_head(p_queue_key text) returns void
language plpgsql as $$
begin
  update cg_jobs set at_queue_head = true
  where job_id = (
    select job_id from cg_jobs
    where queue_key = p_queue_key and status in ('pending', 'running')
    order by created_at, pos
    limit 1
  ) and not at_queue_head;
end;
$$;

-- Inserts a job (nothing when the idempotency key exists: the caller reads that job back).
create function cg_enqueue_job(
  p_job_id text, p_kind text, p_idempotency_key text, p_queue_key text, p_session_id text, p_payload jsonb,
  p_trace_id text, p_max_attempts integer, p_run_at timestamptz, p_now timestamptz
) returns setof cg_jobs
language plpgsql as $$
declare
  head boolean := true;
begin
  if p_queue_key is not null then
    perform pg_advisory_xact_lock(1667721841, hashtext(p_queue_key));
    head := not exists (select 1 from cg_jobs where queue_key = p_queue_key and status in ('pending', 'running'));
  end if;
  return query
    insert into cg_jobs (job_id, kind, status, idempotency_key, queue_key, at_queue_head, session_id, payload, trace_id,
                         attempts, max_attempts, run_at, created_at, updated_at)
    values (p_job_id, p_kind, 'pending', p_idempotency_key, p_queue_key, head, p_session_id, p_payload, p_trace_id,
            0, p_max_attempts, p_run_at, p_now, p_now)
    on conflict (idempotency_key) do nothing
    returning *;
end;
$$;

-- Ends a claim held by p_token: 'complete', or 'fail' (with p_retry_at: back to pending while
-- attempts remain, else dead; without: failed). A finished head hands its queue to the next job.
-- Returns nothing when p_token no longer holds the job.
create function cg_finish_job(
  p_job_id text, p_token text, p_mode text, p_result jsonb, p_error text, p_retry_at timestamptz, p_now timestamptz
) returns setof cg_jobs
language plpgsql as $$
declare
  rec cg_jobs;
begin
  update cg_jobs set
    status = case
      when p_mode = 'complete' then 'completed'
      when p_retry_at is null then 'failed'
      when attempts < max_attempts then 'pending'
      else 'dead' end,
    run_at = case when p_mode = 'fail' and p_retry_at is not null and attempts < max_attempts then p_retry_at else run_at end,
    result = case when p_mode = 'complete' then p_result else result end,
    last_error = case when p_mode = 'fail' then p_error else last_error end,
    claim_token = null,
    lease_expires_at = null,
    updated_at = p_now
  where job_id = p_job_id and status = 'running' and claim_token = p_token
  returning * into rec;
  if not found then
    return;
  end if;
  if rec.queue_key is not null and rec.status <> 'pending' then
    perform pg_advisory_xact_lock(1667721841, hashtext(rec.queue_key));
    perform cg_promote_queue_head(rec.queue_key);
  end if;
  return next rec;
end;
$$;

-- Dead-letters running jobs whose lease expired with no attempts left (at most p_limit),
-- handing their queues on. Returns how many were buried.
create function cg_bury_expired_jobs(p_now timestamptz, p_kinds text[], p_limit integer) returns integer
language plpgsql as $$
declare
  rec record;
  buried integer := 0;
begin
  for rec in
    select job_id, queue_key from cg_jobs
    where status = 'running' and lease_expires_at <= p_now and attempts >= max_attempts
      and (p_kinds is null or kind = any(p_kinds))
    order by lease_expires_at
    limit p_limit
    for update skip locked
  loop
    update cg_jobs set status = 'dead', claim_token = null, lease_expires_at = null,
                       last_error = 'lease expired after ' || attempts || ' attempts', updated_at = p_now
    where job_id = rec.job_id;
    if rec.queue_key is not null then
      perform pg_advisory_xact_lock(1667721841, hashtext(rec.queue_key));
      perform cg_promote_queue_head(rec.queue_key);
    end if;
    buried := buried + 1;
  end loop;
  return buried;
end;
$$;
