-- Cheaper job claims: a claim or heartbeat becomes a HOT update (no index entries, a fraction
-- of the WAL) by changing no indexed column.
--
-- * Unfinished jobs have status 'queued'; a claim token marks one as running (the Store reports
--   'pending' or 'running'). A claim sets the token, lease and attempts and leaves status alone.
-- * Expired leases are found through the ready index, where claimed jobs stay (at the front,
--   at most one per running worker), instead of through an index on the lease time.
-- * Retention finds old finished jobs without an index on updated_at (it runs hourly), since a
--   claim changes updated_at.
-- * cg_jobs keeps 25 % of each page free for those updates.

alter table cg_jobs drop constraint cg_jobs_status_check;
update cg_jobs set status = 'queued' where status in ('pending', 'running');
alter table cg_jobs add constraint cg_jobs_status_check check (status in ('queued', 'completed', 'failed', 'dead'));
alter table cg_jobs set (fillfactor = 75);

drop index cg_jobs_ready;
drop index cg_jobs_leased;
drop index cg_jobs_queue;
drop index cg_jobs_session_active;
drop index cg_jobs_finished;
create index cg_jobs_ready on cg_jobs (run_at, created_at, pos) where status = 'queued' and at_queue_head;
create index cg_jobs_queue on cg_jobs (queue_key, created_at, pos) where status = 'queued' and queue_key is not null;
create index cg_jobs_session_active on cg_jobs (session_id) where status = 'queued' and session_id is not null;

create or replace function cg_promote_queue_head(p_queue_key text) returns void
language plpgsql
set enable_seqscan = off
set enable_bitmapscan = off
as $$
begin
  update cg_jobs set at_queue_head = true
  where job_id = (
    select job_id from cg_jobs
    where queue_key = p_queue_key and status = 'queued'
    order by created_at, pos
    limit 1
  ) and not at_queue_head;
end;
$$;

create or replace function cg_enqueue_job(
  p_job_id text, p_kind text, p_idempotency_key text, p_queue_key text, p_session_id text, p_payload jsonb,
  p_trace_id text, p_max_attempts integer, p_run_at timestamptz, p_now timestamptz
) returns setof cg_jobs
language plpgsql
set enable_seqscan = off
set enable_bitmapscan = off
as $$
declare
  head boolean := true;
begin
  if p_queue_key is not null then
    perform pg_advisory_xact_lock(1667721841, hashtext(p_queue_key));
    head := not exists (select 1 from cg_jobs where queue_key = p_queue_key and status = 'queued');
  end if;
  return query
    insert into cg_jobs (job_id, kind, status, idempotency_key, queue_key, at_queue_head, session_id, payload, trace_id,
                         attempts, max_attempts, run_at, created_at, updated_at)
    values (p_job_id, p_kind, 'queued', p_idempotency_key, p_queue_key, head, p_session_id, p_payload, p_trace_id,
            0, p_max_attempts, p_run_at, p_now, p_now)
    on conflict (idempotency_key) do nothing
    returning *;
end;
$$;

create or replace function cg_claim_job(
  p_now timestamptz, p_kinds text[], p_worker text, p_token text, p_lease_expires_at timestamptz
) returns setof cg_jobs
language plpgsql
set enable_seqscan = off
set enable_bitmapscan = off
as $$
begin
  -- Losing a claim in a database crash only makes the job claimable again (as a lease expiry
  -- would); the next synchronous commit flushes it anyway. Halves the WAL flushes per job.
  perform set_config('synchronous_commit', 'off', true);
  return query
    with candidate as (
      select job_id, attempts, max_attempts from cg_jobs
      where status = 'queued' and at_queue_head and run_at <= p_now
        and (claim_token is null or lease_expires_at <= p_now)
        and (p_kinds is null or kind = any(p_kinds))
      order by run_at, created_at, pos
      limit 1
      for update skip locked
    )
    update cg_jobs j
    set attempts = j.attempts + 1, claimed_by = p_worker, claim_token = p_token,
        lease_expires_at = p_lease_expires_at, updated_at = p_now
    from candidate c
    where j.job_id = c.job_id and c.attempts < c.max_attempts
    returning j.*;
end;
$$;

create or replace function cg_finish_job(
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
      when attempts < max_attempts then 'queued'
      else 'dead' end,
    run_at = case when p_mode = 'fail' and p_retry_at is not null and attempts < max_attempts then p_retry_at else run_at end,
    result = case when p_mode = 'complete' then p_result else result end,
    last_error = case when p_mode = 'fail' then p_error else last_error end,
    claim_token = null,
    lease_expires_at = null,
    updated_at = p_now
  where job_id = p_job_id and status = 'queued' and claim_token = p_token
  returning * into rec;
  if not found then
    return;
  end if;
  if rec.queue_key is not null and rec.status <> 'queued' then
    perform pg_advisory_xact_lock(1667721841, hashtext(rec.queue_key));
    perform cg_promote_queue_head(rec.queue_key);
  end if;
  return next rec;
end;
$$;

create or replace function cg_bury_expired_jobs(p_now timestamptz, p_kinds text[], p_limit integer) returns integer
language plpgsql
set enable_seqscan = off
set enable_bitmapscan = off
as $$
declare
  rec record;
  buried integer := 0;
begin
  -- Claimed jobs are queue heads whose run time has come, so the ready index finds them.
  for rec in
    select job_id, queue_key from cg_jobs
    where status = 'queued' and at_queue_head and run_at <= p_now
      and claim_token is not null and lease_expires_at <= p_now and attempts >= max_attempts
      and (p_kinds is null or kind = any(p_kinds))
    order by run_at, created_at, pos
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
