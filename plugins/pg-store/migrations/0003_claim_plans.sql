-- Claims that stay index-driven whatever the table statistics say.
--
-- On a table the planner has no statistics for (never analyzed: a fresh schema, a burst that
-- lands before autovacuum, or autovacuum off), it may plan a claim as a bitmap scan of every
-- ready row plus a sort: the cost then grows with the backlog (4 ms per claim at 8,000 queued
-- jobs instead of 0.1 ms). The claim statements therefore live in functions whose SET clauses
-- rule out sequential and bitmap scans while their statements are planned, leaving the ordered
-- partial-index scans they were written for.

create function cg_claim_job(
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
    with ready as (
      select job_id, run_at, created_at, pos, attempts, max_attempts from cg_jobs
      where status = 'pending' and at_queue_head and run_at <= p_now and (p_kinds is null or kind = any(p_kinds))
      order by run_at, created_at, pos
      limit 1
      for update skip locked
    ), expired as (
      select job_id, run_at, created_at, pos, attempts, max_attempts from cg_jobs
      where status = 'running' and lease_expires_at <= p_now and (p_kinds is null or kind = any(p_kinds))
      order by lease_expires_at
      limit 1
      for update skip locked
    ), candidate as (
      select * from ready union all select * from expired
      order by run_at, created_at, pos
      limit 1
    )
    update cg_jobs j
    set status = 'running', attempts = j.attempts + 1, claimed_by = p_worker, claim_token = p_token,
        lease_expires_at = p_lease_expires_at, updated_at = p_now
    from candidate c
    where j.job_id = c.job_id and c.attempts < c.max_attempts
    returning j.*;
end;
$$;

create function cg_claim_delivery(
  p_now timestamptz, p_excluded text[], p_worker text, p_token text, p_lease_expires_at timestamptz
) returns setof cg_deliveries
language plpgsql
set enable_seqscan = off
set enable_bitmapscan = off
as $$
begin
  perform set_config('synchronous_commit', 'off', true);
  return query
    with due as (
      select delivery_id, next_attempt_at as due_at, created_at, pos from cg_deliveries
      where status = 'pending' and next_attempt_at <= p_now and instance <> all(p_excluded)
      order by next_attempt_at, created_at, pos
      limit 1
      for update skip locked
    ), expired as (
      select delivery_id, lease_expires_at as due_at, created_at, pos from cg_deliveries
      where status = 'sending' and lease_expires_at <= p_now and instance <> all(p_excluded)
      order by lease_expires_at, created_at, pos
      limit 1
      for update skip locked
    ), candidate as (
      select * from due union all select * from expired
      order by due_at, created_at, pos
      limit 1
    )
    update cg_deliveries d
    set status = 'sending', attempts = d.attempts + 1, claimed_by = p_worker, claim_token = p_token,
        lease_expires_at = p_lease_expires_at, updated_at = p_now
    from candidate c
    where d.delivery_id = c.delivery_id
    returning d.*;
end;
$$;

-- The queue-head checks of enqueue and promotion read one queue's unfinished jobs through
-- cg_jobs_queue; keep them on it for the same reason.
alter function cg_enqueue_job(text, text, text, text, text, jsonb, text, integer, timestamptz, timestamptz)
  set enable_seqscan = off;
alter function cg_enqueue_job(text, text, text, text, text, jsonb, text, integer, timestamptz, timestamptz)
  set enable_bitmapscan = off;
alter function cg_promote_queue_head(text) set enable_seqscan = off;
alter function cg_promote_queue_head(text) set enable_bitmapscan = off;
alter function cg_bury_expired_jobs(timestamptz, text[], integer) set enable_seqscan = off;
alter function cg_bury_expired_jobs(timestamptz, text[], integer) set enable_bitmapscan = off;
