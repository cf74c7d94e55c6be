//===- JobQueue.cpp - The durable, per-project ordered job queue -*- C++
//-*-===//
//
// SQLite in WAL mode with synchronous=FULL: every state change is one
// IMMEDIATE transaction whose COMMIT returns after the WAL is synced, so a
// job id handed out is on disk. The schema is versioned by the
// schema_migrations table; every change of a job also appends to job_events.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/JobQueue.h"

#include "Sqlite.h"

#include "llvm/ADT/STLExtras.h"

#include <sqlite3.h>

using namespace overlord;
using namespace overlord::engine;
using llvm::Error;
using llvm::Expected;

//===----------------------------------------------------------------------===//
// Schema
//===----------------------------------------------------------------------===//

/// Migration N (1-based) brings the schema from version N-1 to N. Never edit
/// a released entry; append a new one.
static const char *const Migrations[] = {
    // 1: jobs and their history.
    R"sql(
CREATE TABLE jobs(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  project TEXT NOT NULL,
  target TEXT NOT NULL DEFAULT '',
  payload TEXT NOT NULL,
  restart INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  cancelled_by INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  enqueued_at REAL NOT NULL,
  started_at REAL,
  finished_at REAL,
  last_update REAL NOT NULL,
  rc INTEGER,
  stdout TEXT,
  stderr TEXT,
  truncated INTEGER NOT NULL DEFAULT 0,
  state TEXT,
  locked INTEGER,
  restarted INTEGER,
  labels TEXT,
  exception_type TEXT,
  exception_message TEXT,
  message TEXT,
  reconciled TEXT
);
CREATE INDEX jobs_by_status ON jobs(status, id);
CREATE INDEX jobs_by_project ON jobs(project, status, id);
CREATE TABLE job_events(
  id INTEGER PRIMARY KEY,
  job_id INTEGER NOT NULL REFERENCES jobs(id),
  at REAL NOT NULL,
  event TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX job_events_by_job ON job_events(job_id, id);
)sql",
    // 2: the queued cancels (the claim's control lane and its "no earlier
    // cancel" test) without scanning every queued job.
    R"sql(
CREATE INDEX jobs_queued_cancels ON jobs(project, id)
  WHERE status = 'queued' AND kind = 'project.cancel';
)sql",
};

int JobQueue::latestSchemaVersion() {
  return static_cast<int>(std::size(Migrations));
}

static const char *const JobColumns =
    "SELECT id, kind, project, target, payload, restart, status, "
    "cancel_requested, cancelled_by, attempts, enqueued_at, started_at, "
    "finished_at, last_update, rc, stdout, stderr, truncated, state, locked, "
    "restarted, labels, exception_type, exception_message, message, "
    "reconciled FROM jobs ";

static Job readJob(const sql::Stmt &S) {
  Job J;
  J.Id = S.i64(0);
  J.Kind = parseJobKind(S.text(1)).value_or(JobKind::ProjectUp);
  J.Project = S.text(2);
  J.Target = S.text(3);
  J.Payload = S.text(4);
  J.Restart = S.i64(5);
  J.Status = parseJobStatus(S.text(6)).value_or(JobStatus::Failed);
  J.CancelRequested = S.i64(7);
  if (!S.isNull(8))
    J.CancelledBy = S.i64(8);
  J.Attempts = static_cast<unsigned>(S.i64(9));
  J.EnqueuedAt = S.real(10);
  J.StartedAt = S.isNull(11) ? 0 : S.real(11);
  J.FinishedAt = S.isNull(12) ? 0 : S.real(12);
  J.LastUpdate = S.real(13);
  JobResult &R = J.Result;
  R.Status = J.Status;
  if (!S.isNull(14))
    R.Rc = static_cast<int>(S.i64(14));
  R.Stdout = S.text(15);
  R.Stderr = S.text(16);
  R.Truncated = S.i64(17);
  if (!S.isNull(18))
    R.State = parseDirectorState(S.text(18));
  if (!S.isNull(19))
    R.Locked = S.i64(19) != 0;
  if (!S.isNull(20))
    R.Restarted = S.i64(20) != 0;
  R.Labels = S.text(21);
  R.ExceptionType = S.text(22);
  R.ExceptionMessage = S.text(23);
  R.Message = S.text(24);
  J.Reconciled = S.text(25);
  return J;
}

static Error addEvent(sqlite3 *Db, JobId Id, double At, llvm::StringRef Event,
                      llvm::StringRef Detail = "") {
  sql::Stmt S(Db, "INSERT INTO job_events(job_id, at, event, detail) "
                  "VALUES (?1, ?2, ?3, ?4)");
  S.bind(1, Id).bind(2, At).bind(3, Event).bind(4, Detail);
  return S.run();
}

/// Cuts S to at most Max bytes without splitting a UTF-8 sequence.
static bool truncateOutput(std::string &S, size_t Max) {
  if (S.size() <= Max)
    return false;
  size_t N = Max;
  while (N > 0 && (static_cast<unsigned char>(S[N]) & 0xC0) == 0x80)
    --N;
  S.resize(N);
  return true;
}

/// Writes a final result for job Id (running, checked by the caller).
static Error writeResult(sqlite3 *Db, JobId Id, const JobResult &R, double Now,
                         llvm::StringRef Reconciled) {
  sql::Stmt S(Db,
              "UPDATE jobs SET status = ?2, finished_at = ?3, "
              "last_update = ?3, rc = ?4, stdout = ?5, stderr = ?6, "
              "truncated = ?7, state = ?8, locked = ?9, restarted = ?10, "
              "labels = ?11, exception_type = ?12, exception_message = ?13, "
              "message = ?14, reconciled = ?15 WHERE id = ?1");
  std::optional<std::string> State;
  if (R.State)
    State = directorStateName(*R.State).str();
  S.bind(1, Id)
      .bind(2, toString(R.Status))
      .bind(3, Now)
      .bind(4, R.Rc)
      .bind(5, R.Stdout)
      .bind(6, R.Stderr)
      .bind(7, R.Truncated)
      .bind(8, State)
      .bind(9, R.Locked)
      .bind(10, R.Restarted)
      .bind(11, R.Labels)
      .bind(12, R.ExceptionType)
      .bind(13, R.ExceptionMessage)
      .bind(14, R.Message)
      .bind(15, Reconciled);
  if (auto E = S.run())
    return E;
  return addEvent(Db, Id, Now, toString(R.Status),
                  R.ExceptionMessage.empty() ? R.Message : R.ExceptionMessage);
}

//===----------------------------------------------------------------------===//
// Opening, migrating, recovering
//===----------------------------------------------------------------------===//

JobQueue::JobQueue(sqlite3 *Db, JobQueueOptions O)
    : Db(Db), Opts(std::move(O)) {}

JobQueue::~JobQueue() {
  {
    std::lock_guard<std::mutex> G(WriteM);
    WriterStop = true;
  }
  WritePending.notify_all();
  // The writer commits what is still pending before it exits.
  if (Writer.joinable())
    Writer.join();
  sqlite3_close_v2(Db);
}

double JobQueue::now() const {
  if (Opts.Clock)
    return Opts.Clock();
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

Expected<std::unique_ptr<JobQueue>> JobQueue::open(llvm::StringRef Path,
                                                   JobQueueOptions Opts) {
  sqlite3 *Db = nullptr;
  int Rc = sqlite3_open_v2(Path.str().c_str(), &Db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                               SQLITE_OPEN_NOMUTEX,
                           nullptr);
  std::unique_ptr<JobQueue> Q(new JobQueue(Db, std::move(Opts)));
  if (Rc != SQLITE_OK)
    return sql::error(Db, "cannot open '" + Path.str() + "'");
  sqlite3_busy_timeout(Db, Q->Opts.BusyTimeoutMs);
  {
    sql::Stmt S(Db, "PRAGMA journal_mode=WAL");
    auto Row = S.step();
    if (!Row)
      return Row.takeError();
    if (!*Row || S.text(0) != "wal")
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "job queue: '%s' cannot use WAL mode",
                                     Path.str().c_str());
  }
  if (auto E = sql::exec(Db, "PRAGMA synchronous=FULL; "
                             "PRAGMA foreign_keys=ON;"))
    return E;
  if (auto E = Q->migrate())
    return E;
  if (auto E = Q->recover())
    return E;
  return Q;
}

Error JobQueue::migrate() {
  if (auto E = sql::exec(Db, "CREATE TABLE IF NOT EXISTS schema_migrations("
                             "version INTEGER PRIMARY KEY, "
                             "applied_at REAL NOT NULL)"))
    return E;
  sql::Stmt S(Db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  auto Row = S.step();
  if (!Row)
    return Row.takeError();
  Version = static_cast<int>(S.i64(0));
  if (Version > latestSchemaVersion())
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "job queue: database schema version %d is newer than this build's "
        "(%d)",
        Version, latestSchemaVersion());
  while (Version < latestSchemaVersion()) {
    sql::Transaction T(Db);
    if (auto E = T.begin())
      return E;
    if (auto E = sql::exec(Db, Migrations[Version]))
      return E;
    sql::Stmt Ins(Db, "INSERT INTO schema_migrations(version, applied_at) "
                      "VALUES (?1, ?2)");
    Ins.bind(1, Version + 1).bind(2, now());
    if (auto E = Ins.run())
      return E;
    if (auto E = T.commit())
      return E;
    ++Version;
  }
  return Error::success();
}

Error JobQueue::recover() {
  std::vector<Job> Interrupted;
  {
    sql::Stmt S(
        Db, (std::string(JobColumns) + "WHERE status = 'running' ORDER BY id")
                .c_str());
    while (true) {
      auto Row = S.step();
      if (!Row)
        return Row.takeError();
      if (!*Row)
        break;
      Interrupted.push_back(readJob(S));
    }
  }
  // One transaction per decision: a crash during recovery keeps the
  // decisions already made, and only the undecided job is asked again.
  for (const Job &J : Interrupted) {
    ReconcileDecision D =
        Opts.Reconcile
            ? Opts.Reconcile(J)
            : ReconcileDecision::fail(
                  "overlordd stopped while the job was running; not run "
                  "again (no reconciler)");
    std::string Note = "after restart: " + D.Note;
    sql::Transaction T(Db);
    if (auto E = T.begin())
      return E;
    double Now = now();
    if (D.Action == ReconcileDecision::Requeue) {
      sql::Stmt S(Db, "UPDATE jobs SET status = 'queued', last_update = ?2, "
                      "reconciled = ?3 WHERE id = ?1");
      S.bind(1, J.Id).bind(2, Now).bind(3, Note);
      if (auto E = S.run())
        return E;
      if (auto E = addEvent(Db, J.Id, Now, "requeued", Note))
        return E;
      Recovery.Requeued.push_back(J.Id);
    } else {
      JobResult R = std::move(D.Result);
      if (!isFinal(R.Status) || R.Status == JobStatus::Cancelled)
        R.Status = JobStatus::Failed;
      R.Truncated |= truncateOutput(R.Stdout, Opts.MaxOutputBytes);
      R.Truncated |= truncateOutput(R.Stderr, Opts.MaxOutputBytes);
      if (auto E = addEvent(Db, J.Id, Now, "reconciled", Note))
        return E;
      if (auto E = writeResult(Db, J.Id, R, Now, Note))
        return E;
      Recovery.Finished.push_back(J.Id);
    }
    if (auto E = T.commit())
      return E;
  }
  return Error::success();
}

//===----------------------------------------------------------------------===//
// Enqueue, claim, complete
//===----------------------------------------------------------------------===//

/// The prepared statements of an enqueue transaction, reused for every job
/// of the transaction.
struct JobQueue::Inserter {
  explicit Inserter(sqlite3 *Db)
      : Job(Db, "INSERT INTO jobs(kind, project, target, payload, restart, "
                "status, enqueued_at, last_update) VALUES (?1, ?2, ?3, ?4, "
                "?5, 'queued', ?6, ?6) RETURNING id"),
        Event(Db, "INSERT INTO job_events(job_id, at, event, detail) VALUES "
                  "(?1, ?2, 'enqueued', '')") {}
  sql::Stmt Job, Event;
};

/// What a job must be to be enqueued; "" when it may.
static std::string refusal(const NewJob &NJ) {
  if (NJ.Kind == JobKind::ProjectCancel)
    return "job queue: use cancel() for project.cancel";
  if (NJ.Project.empty())
    return "job queue: a job needs a project";
  return "";
}

Error JobQueue::insertLocked(Inserter &Ins, const NewJob &NJ, double Now,
                             std::vector<JobId> &Ids) {
  Ins.Job.reset()
      .bind(1, toString(NJ.Kind))
      .bind(2, NJ.Project)
      .bind(3, NJ.Target)
      .bind(4, NJ.Payload)
      .bind(5, NJ.Restart)
      .bind(6, Now);
  auto Row = Ins.Job.step();
  if (!Row)
    return Row.takeError();
  if (!*Row)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "job queue: insert returned no id");
  Ids.push_back(Ins.Job.i64(0));
  if (auto E = Ins.Job.run())
    return E;
  Ins.Event.reset().bind(1, Ids.back()).bind(2, Now);
  return Ins.Event.run();
}

Expected<std::vector<JobId>> JobQueue::enqueueAll(llvm::ArrayRef<NewJob> Jobs) {
  for (const NewJob &NJ : Jobs) {
    std::string Why = refusal(NJ);
    if (!Why.empty())
      return llvm::createStringError(llvm::inconvertibleErrorCode(), Why);
  }
  std::vector<JobId> Ids;
  if (Jobs.empty())
    return Ids;
  {
    std::lock_guard<std::mutex> L(M);
    sql::Transaction T(Db);
    if (auto E = T.begin())
      return E;
    double Now = now();
    Inserter Ins(Db);
    for (const NewJob &NJ : Jobs)
      if (auto E = insertLocked(Ins, NJ, Now, Ids))
        return E;
    // With synchronous=FULL, COMMIT returns after the WAL is on disk: only
    // then may the ids be handed out.
    if (auto E = T.commit())
      return E;
  }
  Changed.notify_all();
  return Ids;
}

//===----------------------------------------------------------------------===//
// Asynchronous writes: one writer thread, one transaction per batch
//===----------------------------------------------------------------------===//

/// One submitted write and, once its batch is done, its outcome.
struct JobQueue::Write {
  QueueWrite W;
  WriteCallback Done;
  QueueWriteResult Result;
  /// Running jobs its cancels flagged (told to the cancel handler).
  std::vector<Job> Flagged;
};

void JobQueue::submit(QueueWrite W, WriteCallback Done) {
  for (const NewJob &NJ : W.Jobs) {
    std::string Why = refusal(NJ);
    if (!Why.empty())
      return Done(
          llvm::createStringError(llvm::inconvertibleErrorCode(), Why));
  }
  auto P = std::make_unique<Write>();
  P->W = std::move(W);
  P->Done = std::move(Done);
  {
    std::lock_guard<std::mutex> G(WriteM);
    if (!Writer.joinable())
      Writer = std::thread([this] { writerLoop(); });
    Writes.push_back(std::move(P));
  }
  WritePending.notify_one();
}

void JobQueue::enqueueAsync(NewJob J, EnqueueCallback Done) {
  QueueWrite W;
  W.Jobs.push_back(std::move(J));
  submit(std::move(W),
         [Done = std::move(Done)](Expected<QueueWriteResult> R) {
           if (!R)
             return Done(R.takeError());
           Done(R->Ids.front());
         });
}

void JobQueue::cancelAsync(std::string Project, std::string Payload,
                           CancelCallback Done) {
  QueueWrite W;
  W.Cancels.emplace_back(std::move(Project), std::move(Payload));
  submit(std::move(W),
         [Done = std::move(Done)](Expected<QueueWriteResult> R) {
           if (!R)
             return Done(R.takeError());
           Done(std::move(R->Cancels.front()));
         });
}

Expected<JobId> JobQueue::enqueue(const NewJob &NJ) {
  {
    std::lock_guard<std::mutex> G(WriteM);
    // From a completion callback: the writer cannot wait for itself.
    if (Writer.joinable() && Writer.get_id() == std::this_thread::get_id()) {
      auto Ids = enqueueAll(NJ);
      if (!Ids)
        return Ids.takeError();
      return Ids->front();
    }
  }
  std::mutex DoneM;
  std::condition_variable DoneCv;
  std::optional<Expected<JobId>> Out;
  enqueueAsync(NJ, [&](Expected<JobId> Id) {
    std::lock_guard<std::mutex> G(DoneM);
    Out.emplace(std::move(Id));
    DoneCv.notify_one();
  });
  std::unique_lock<std::mutex> G(DoneM);
  DoneCv.wait(G, [&] { return Out.has_value(); });
  return std::move(*Out);
}

void JobQueue::writerLoop() {
  std::unique_lock<std::mutex> G(WriteM);
  while (true) {
    WritePending.wait(G, [&] { return WriterStop || !Writes.empty(); });
    if (Writes.empty())
      return; // stopping, nothing left
    std::vector<std::unique_ptr<Write>> Batch;
    Batch.swap(Writes);
    G.unlock();
    commitBatch(Batch);
    G.lock();
  }
}

void JobQueue::commitBatch(std::vector<std::unique_ptr<Write>> &Batch) {
  std::string Failure;
  std::function<void(const Job &)> Handler;
  {
    std::lock_guard<std::mutex> L(M);
    Error E = [&]() -> Error {
      sql::Transaction T(Db);
      if (auto E = T.begin())
        return E;
      double Now = now();
      std::optional<Inserter> Ins;
      for (auto &P : Batch) {
        for (const auto &[Project, Payload] : P->W.Cancels) {
          CancelOutcome Out;
          std::optional<Job> Flagged;
          if (auto E = cancelLocked(Project, Payload, Now, Out, Flagged))
            return E;
          P->Result.Cancels.push_back(std::move(Out));
          if (Flagged)
            P->Flagged.push_back(std::move(*Flagged));
        }
        if (!P->W.Jobs.empty() && !Ins)
          Ins.emplace(Db);
        for (const NewJob &NJ : P->W.Jobs)
          if (auto E = insertLocked(*Ins, NJ, Now, P->Result.Ids))
            return E;
      }
      // One fsync for the whole batch; only after it are ids handed out.
      return T.commit();
    }();
    if (E)
      Failure = llvm::toString(std::move(E));
    Handler = CancelHandler;
  }
  if (Failure.empty()) {
    Changed.notify_all();
    if (Handler)
      for (auto &P : Batch)
        for (const Job &J : P->Flagged)
          Handler(J);
  }
  for (auto &P : Batch) {
    try {
      if (!Failure.empty())
        P->Done(llvm::createStringError(llvm::inconvertibleErrorCode(),
                                        Failure));
      else
        P->Done(std::move(P->Result));
    } catch (...) {
      // A callback must not throw; the writer must survive one that does.
    }
  }
}

Expected<std::optional<Job>> JobQueue::claimLocked() {
  sql::Transaction T(Db);
  if (auto E = T.begin())
    return E;
  // The lowest runnable id. A project.cancel job runs even while its
  // project is busy (it is what stops the busy job); any other job waits
  // until nothing of its project runs. Taking the minimum keeps each
  // project's jobs in id order. Two lookups, the control lane first: the
  // first reads only queued cancels (jobs_queued_cancels), the second walks
  // the queued jobs in id order (jobs_by_status) and stops at the first
  // runnable one, so a claim does not cost a scan of the whole queue.
  sql::Stmt Lane(Db, R"sql(
SELECT j.id FROM jobs j INDEXED BY jobs_queued_cancels
WHERE j.status = 'queued' AND j.kind = 'project.cancel' AND NOT EXISTS (
     SELECT 1 FROM jobs r WHERE r.project = j.project
       AND r.status = 'running' AND r.kind = 'project.cancel')
ORDER BY j.id LIMIT 1)sql");
  auto Row = Lane.step();
  if (!Row)
    return Row.takeError();
  sql::Stmt Pick(Db, R"sql(
SELECT j.id FROM jobs j INDEXED BY jobs_by_status WHERE j.status = 'queued'
  AND j.kind <> 'project.cancel' AND NOT EXISTS (
     SELECT 1 FROM jobs r WHERE r.project = j.project
       AND r.status = 'running')
  AND NOT EXISTS (
     SELECT 1 FROM jobs c INDEXED BY jobs_queued_cancels
     WHERE c.project = j.project AND c.id < j.id
       AND c.status = 'queued' AND c.kind = 'project.cancel')
ORDER BY j.id LIMIT 1)sql");
  sql::Stmt *Found = &Lane;
  if (!*Row) {
    Row = Pick.step();
    if (!Row)
      return Row.takeError();
    if (!*Row)
      return std::optional<Job>();
    Found = &Pick;
  }
  JobId Id = Found->i64(0);
  double Now = now();
  sql::Stmt Up(Db, "UPDATE jobs SET status = 'running', attempts = "
                   "attempts + 1, started_at = ?2, last_update = ?2 "
                   "WHERE id = ?1");
  Up.bind(1, Id).bind(2, Now);
  if (auto E = Up.run())
    return E;
  if (auto E = addEvent(Db, Id, Now, "claimed"))
    return E;
  auto J = getLocked(Id);
  if (!J)
    return J.takeError();
  if (auto E = T.commit())
    return E;
  return J;
}

Expected<std::optional<Job>> JobQueue::claimNext() {
  std::lock_guard<std::mutex> L(M);
  return claimLocked();
}

Expected<std::optional<Job>>
JobQueue::waitAndClaim(std::chrono::milliseconds Timeout) {
  auto Deadline = std::chrono::steady_clock::now() + Timeout;
  std::unique_lock<std::mutex> L(M);
  unsigned Generation = WakeGeneration;
  while (true) {
    auto J = claimLocked();
    if (!J || *J || WakeGeneration != Generation)
      return J;
    if (Changed.wait_until(L, Deadline) == std::cv_status::timeout) {
      if (WakeGeneration != Generation)
        return std::optional<Job>();
      return claimLocked();
    }
  }
}

void JobQueue::wakeAll() {
  {
    std::lock_guard<std::mutex> L(M);
    ++WakeGeneration;
  }
  Changed.notify_all();
}

Error JobQueue::complete(JobId Id, JobResult R) {
  if (!isFinal(R.Status) || R.Status == JobStatus::Cancelled)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "job queue: job %lld cannot complete as '%s'",
        static_cast<long long>(Id), toString(R.Status).str().c_str());
  std::lock_guard<std::mutex> L(M);
  sql::Transaction T(Db);
  if (auto E = T.begin())
    return E;
  auto J = getLocked(Id);
  if (!J)
    return J.takeError();
  if (!*J || (*J)->Status != JobStatus::Running)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(), "job queue: job %lld is %s",
        static_cast<long long>(Id),
        *J ? toString((*J)->Status).str().c_str() : "unknown");
  R.Truncated |= truncateOutput(R.Stdout, Opts.MaxOutputBytes);
  R.Truncated |= truncateOutput(R.Stderr, Opts.MaxOutputBytes);
  if (auto E = writeResult(Db, Id, R, now(), ""))
    return E;
  if (auto E = T.commit())
    return E;
  Changed.notify_all();
  return Error::success();
}

//===----------------------------------------------------------------------===//
// Cancel
//===----------------------------------------------------------------------===//

Error JobQueue::cancelLocked(llvm::StringRef Project, llvm::StringRef Payload,
                             double Now, CancelOutcome &Out,
                             std::optional<Job> &Flagged) {
  sql::Stmt Ins(Db, "INSERT INTO jobs(kind, project, payload, status, "
                    "enqueued_at, last_update) VALUES ('project.cancel', "
                    "?1, ?2, 'queued', ?3, ?3) RETURNING id");
  Ins.bind(1, Project).bind(2, Payload).bind(3, Now);
  auto Row = Ins.step();
  if (!Row)
    return Row.takeError();
  Out.CancelJob = Ins.i64(0);
  if (auto E = Ins.run())
    return E;
  if (auto E = addEvent(Db, Out.CancelJob, Now, "enqueued"))
    return E;

  sql::Stmt Drop(Db, "UPDATE jobs SET status = 'cancelled', cancelled_by "
                     "= ?2, finished_at = ?3, last_update = ?3 WHERE "
                     "project = ?1 AND status = 'queued' AND kind <> "
                     "'project.cancel' RETURNING id");
  Drop.bind(1, Project).bind(2, Out.CancelJob).bind(3, Now);
  while (true) {
    auto R = Drop.step();
    if (!R)
      return R.takeError();
    if (!*R)
      break;
    Out.Dropped.push_back(Drop.i64(0));
  }
  llvm::sort(Out.Dropped);
  std::string By = "by job " + std::to_string(Out.CancelJob);
  for (JobId Id : Out.Dropped)
    if (auto E = addEvent(Db, Id, Now, "cancelled", By))
      return E;

  sql::Stmt Flag(Db, "UPDATE jobs SET cancel_requested = 1, last_update = "
                     "?2 WHERE project = ?1 AND status = 'running' AND "
                     "kind <> 'project.cancel' RETURNING id");
  Flag.bind(1, Project).bind(2, Now);
  auto R = Flag.step();
  if (!R)
    return R.takeError();
  if (*R) {
    Out.Running = Flag.i64(0);
    if (auto E = Flag.run())
      return E;
    if (auto E = addEvent(Db, *Out.Running, Now, "cancel-requested", By))
      return E;
    auto J = getLocked(*Out.Running);
    if (!J)
      return J.takeError();
    Flagged = std::move(*J);
  }
  return Error::success();
}

Expected<CancelOutcome> JobQueue::cancel(llvm::StringRef Project,
                                         std::string Payload) {
  CancelOutcome Out;
  std::optional<Job> Flagged;
  std::function<void(const Job &)> Handler;
  {
    std::lock_guard<std::mutex> L(M);
    sql::Transaction T(Db);
    if (auto E = T.begin())
      return E;
    if (auto E = cancelLocked(Project, Payload, now(), Out, Flagged))
      return E;
    if (auto E = T.commit())
      return E;
    Handler = CancelHandler;
  }
  Changed.notify_all();
  if (Flagged && Handler)
    Handler(*Flagged);
  return Out;
}

Expected<bool> JobQueue::isCancelRequested(JobId Id) {
  std::lock_guard<std::mutex> L(M);
  sql::Stmt S(Db, "SELECT cancel_requested FROM jobs WHERE id = ?1");
  S.bind(1, Id);
  auto Row = S.step();
  if (!Row)
    return Row.takeError();
  return *Row && S.i64(0) != 0;
}

void JobQueue::setCancelHandler(std::function<void(const Job &)> H) {
  std::lock_guard<std::mutex> L(M);
  CancelHandler = std::move(H);
}

//===----------------------------------------------------------------------===//
// Queries
//===----------------------------------------------------------------------===//

Expected<std::optional<Job>> JobQueue::getLocked(JobId Id) {
  sql::Stmt S(Db, (std::string(JobColumns) + "WHERE id = ?1").c_str());
  S.bind(1, Id);
  auto Row = S.step();
  if (!Row)
    return Row.takeError();
  if (!*Row)
    return std::optional<Job>();
  return std::optional<Job>(readJob(S));
}

Expected<std::optional<Job>> JobQueue::get(JobId Id) {
  std::lock_guard<std::mutex> L(M);
  return getLocked(Id);
}

Expected<std::vector<Job>> JobQueue::list(const JobFilter &F) {
  std::lock_guard<std::mutex> L(M);
  sql::Stmt S(Db, (std::string(JobColumns) +
                   "WHERE id > ?1 AND (?2 IS NULL OR project = ?2) AND "
                   "(?3 IS NULL OR status = ?3) ORDER BY id LIMIT ?4")
                      .c_str());
  std::optional<std::string> Status;
  if (F.Status)
    Status = toString(*F.Status).str();
  S.bind(1, F.AfterId)
      .bind(2, F.Project)
      .bind(3, Status)
      .bind(4, static_cast<std::int64_t>(F.Limit));
  std::vector<Job> Out;
  while (true) {
    auto Row = S.step();
    if (!Row)
      return Row.takeError();
    if (!*Row)
      return Out;
    Out.push_back(readJob(S));
  }
}

Expected<uint64_t> JobQueue::count(JobStatus Status) {
  std::lock_guard<std::mutex> L(M);
  // Served by the jobs(status, id) index.
  sql::Stmt S(Db, "SELECT count(*) FROM jobs WHERE status = ?1");
  S.bind(1, toString(Status));
  auto Row = S.step();
  if (!Row)
    return Row.takeError();
  return *Row ? static_cast<uint64_t>(S.i64(0)) : 0;
}

Expected<std::optional<Job>> JobQueue::latest(llvm::StringRef Project,
                                              StatusKey Key) {
  JobKind Kind = Key == StatusKey::Up     ? JobKind::ProjectUp
                 : Key == StatusKey::Down ? JobKind::ProjectDown
                                          : JobKind::VmCreate;
  std::lock_guard<std::mutex> L(M);
  sql::Stmt S(Db, (std::string(JobColumns) +
                   "WHERE project = ?1 AND kind = ?2 ORDER BY id DESC LIMIT 1")
                      .c_str());
  S.bind(1, Project).bind(2, toString(Kind));
  auto Row = S.step();
  if (!Row)
    return Row.takeError();
  if (!*Row)
    return std::optional<Job>();
  return std::optional<Job>(readJob(S));
}

Expected<unsigned> JobQueue::prune(double Before) {
  static const char *const Doomed =
      "SELECT j.id FROM jobs j WHERE j.status NOT IN ('queued', 'running') "
      "AND j.last_update < ?1 AND j.id < (SELECT MAX(l.id) FROM jobs l "
      "WHERE l.project = j.project AND l.kind = j.kind)";
  std::lock_guard<std::mutex> L(M);
  sql::Transaction T(Db);
  if (auto E = T.begin())
    return E;
  sql::Stmt Ev(Db, (std::string("DELETE FROM job_events WHERE job_id IN (") +
                    Doomed + ")")
                       .c_str());
  Ev.bind(1, Before);
  if (auto E = Ev.run())
    return E;
  sql::Stmt Jobs(
      Db,
      (std::string("DELETE FROM jobs WHERE id IN (") + Doomed + ")").c_str());
  Jobs.bind(1, Before);
  if (auto E = Jobs.run())
    return E;
  unsigned N = static_cast<unsigned>(sqlite3_changes(Db));
  if (auto E = T.commit())
    return E;
  return N;
}

Expected<std::vector<JobEvent>> JobQueue::events(JobId Id) {
  std::lock_guard<std::mutex> L(M);
  sql::Stmt S(Db, "SELECT at, event, detail FROM job_events WHERE job_id = "
                  "?1 ORDER BY id");
  S.bind(1, Id);
  std::vector<JobEvent> Out;
  while (true) {
    auto Row = S.step();
    if (!Row)
      return Row.takeError();
    if (!*Row)
      return Out;
    Out.push_back({S.real(0), S.text(1), S.text(2)});
  }
}
