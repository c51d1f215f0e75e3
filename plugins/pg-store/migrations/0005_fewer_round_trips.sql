-- Fewer round trips per message: operations that took several statements (or a client-side
-- transaction of BEGIN, statements, COMMIT) become one function call each.

-- A claim that finds only exhausted, expired jobs buries them and looks again in the same call,
-- instead of the client calling cg_bury_expired_jobs and cg_claim_job again. The burial then
-- commits asynchronously with the claim: losing it in a database crash leaves the job expired
-- and exhausted, and the next claim buries it again.
create function cg_claim_job_or_bury(
  p_now timestamptz, p_kinds text[], p_worker text, p_token text, p_lease_expires_at timestamptz, p_bury_batch integer
) returns setof cg_jobs
language plpgsql as $$
begin
  loop
    return query select * from cg_claim_job(p_now, p_kinds, p_worker, p_token, p_lease_expires_at);
    if found then
      return;
    end if;
    if cg_bury_expired_jobs(p_now, p_kinds, p_bury_batch) = 0 then
      return;
    end if;
  end loop;
end;
$$;

-- The session of a thread, created with its event #1 `session.created` when missing; an existing
-- one is returned unchanged (the update of updated_at that came before cost a non-HOT update). The caller
-- passes a fresh id: the returned row carries it exactly when this call created the session.
create function cg_find_or_create_session(
  p_session_id text, p_instance text, p_provider_kind text, p_workspace_id text, p_chat_id text, p_thread_id text,
  p_title text, p_now timestamptz
) returns setof cg_sessions
language plpgsql as $$
declare
  rec cg_sessions;
begin
  insert into cg_sessions (session_id, instance, provider_kind, workspace_id, chat_id, thread_id, title, status,
                           last_event_seq, created_at, updated_at)
  values (p_session_id, p_instance, p_provider_kind, p_workspace_id, p_chat_id, p_thread_id, p_title, 'idle', 1, p_now, p_now)
  on conflict (instance, workspace_id, chat_id, thread_id) do nothing
  returning * into rec;
  if found then
    insert into cg_session_events (session_id, seq, type, payload, trace_id, created_at)
    values (p_session_id, 1, 'session.created', jsonb_build_object('title', p_title), null, p_now);
    return next rec;
    return;
  end if;
  -- Found: nothing changes (appending to it marks activity). A concurrent creator's insert made
  -- ours do nothing only once it committed, and this statement's snapshot is newer, so it sees the row.
  return query
    select * from cg_sessions
    where instance = p_instance and workspace_id = p_workspace_id and chat_id = p_chat_id and thread_id = p_thread_id;
end;
$$;

-- Enqueues a job and, only when it is created, appends `p_events` (a jsonb array of
-- {type, payload, traceId}; each payload gets the job's `jobId`) to its session's history, in
-- the caller's one statement. Also returns how many unfinished jobs of its queue are ahead of
-- it, counted under the queue lock. Nothing when the idempotency key exists. Raises P0002 when
-- events are given for a session that does not exist (and then nothing is stored).
create function cg_enqueue_job_with_events(
  p_job_id text, p_kind text, p_idempotency_key text, p_queue_key text, p_session_id text, p_payload jsonb,
  p_trace_id text, p_max_attempts integer, p_run_at timestamptz, p_now timestamptz, p_events jsonb,
  out job cg_jobs, out queue_ahead integer
) returns setof record
language plpgsql
set enable_seqscan = off
set enable_bitmapscan = off
as $$
declare
  added integer := jsonb_array_length(p_events);
  last_seq integer;
begin
  queue_ahead := 0;
  if p_queue_key is not null then
    perform pg_advisory_xact_lock(1667721841, hashtext(p_queue_key));
    select count(*) into queue_ahead from cg_jobs where queue_key = p_queue_key and status = 'queued';
  end if;
  insert into cg_jobs (job_id, kind, status, idempotency_key, queue_key, at_queue_head, session_id, payload, trace_id,
                       attempts, max_attempts, run_at, created_at, updated_at)
  values (p_job_id, p_kind, 'queued', p_idempotency_key, p_queue_key, queue_ahead = 0, p_session_id, p_payload, p_trace_id,
          0, p_max_attempts, p_run_at, p_now, p_now)
  on conflict (idempotency_key) do nothing
  returning * into job;
  if not found then
    return;
  end if;
  if added > 0 then
    update cg_sessions set last_event_seq = last_event_seq + added, updated_at = p_now
    where session_id = p_session_id
    returning last_event_seq into last_seq;
    if not found then
      raise exception 'session % does not exist', p_session_id using errcode = 'P0002';
    end if;
    insert into cg_session_events (session_id, seq, type, payload, trace_id, created_at)
    select p_session_id, last_seq - added + e.ord::integer, e.value ->> 'type',
           (e.value -> 'payload') || jsonb_build_object('jobId', p_job_id), e.value ->> 'traceId', p_now
    from jsonb_array_elements(p_events) with ordinality as e(value, ord);
  end if;
  return next;
end;
$$;

-- Records the last chunk of a delivery as sent and completes it in one update (synchronous, as
-- every delivery mark). Nothing when p_token no longer holds the delivery or the index is out of range.
create function cg_complete_delivery(
  p_delivery_id text, p_token text, p_index integer, p_provider_message_id text, p_sent_at text, p_now timestamptz
) returns setof cg_deliveries
language plpgsql as $$
begin
  return query
    update cg_deliveries
    set chunks = case when p_index is null then chunks
                      else jsonb_set(chunks, array[p_index::text],
                                     (chunks -> p_index) || jsonb_build_object('providerMessageId', p_provider_message_id,
                                                                               'sentAt', p_sent_at)) end,
        chunks_sent = chunks_sent + case when p_index is not null and chunks -> p_index ->> 'sentAt' is null then 1 else 0 end,
        status = 'sent', claim_token = null, lease_expires_at = null, updated_at = p_now
    where delivery_id = p_delivery_id and status = 'sending' and claim_token = p_token
      and (p_index is null or (p_index >= 0 and p_index < jsonb_array_length(chunks)))
    returning *;
end;
$$;
