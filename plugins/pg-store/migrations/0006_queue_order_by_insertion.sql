-- A queue runs its jobs in the order they were enqueued: `pos`, drawn under the queue's advisory
-- lock. `created_at` is the enqueuing process's clock, which two processes enqueuing into one
-- queue at the same moment can invert, so the first head (set at insert) and the next heads
-- (promoted by created_at) could disagree.
drop index cg_jobs_queue;
create index cg_jobs_queue on cg_jobs (queue_key, pos) where status = 'queued' and queue_key is not null;

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
    order by pos
    limit 1
  ) and not at_queue_head;
end;
$$;
