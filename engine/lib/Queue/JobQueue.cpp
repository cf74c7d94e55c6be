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

JobQueue::~JobQueue() { sqlite3_close_v2(Db); }

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

struct JobQueue::PendingEnqueue {
  NewJob Job;
  JobId Id = 0;
  bool Done = false;
  std::string Error; ///< set when the batch failed
};

Expected<JobId> JobQueue::enqueue(const NewJob &NJ) {
  if (NJ.Kind == JobKind::ProjectCancel || NJ.Project.empty())
    return enqueueAll(NJ).takeError(); // the same message as enqueueAll
  auto P = std::make_shared<PendingEnqueue>();
  P->Job = NJ;
  std::unique_lock<std::mutex> G(GroupM);
  GroupPending.push_back(P);
  while (!P->Done) {
    if (GroupLeader) {
      GroupDone.wait(G);
      continue;
    }
    // Lead: commit everything waiting, in batches, until our own job is in.
    GroupLeader = true;
    while (!P->Done) {
      std::vector<std::shared_ptr<PendingEnqueue>> Batch;
      Batch.swap(GroupPending);
      G.unlock();
      std::vector<NewJob> Jobs;
      Jobs.reserve(Batch.size());
      for (const auto &B : Batch)
        Jobs.push_back(B->Job);
      Expected<std::vector<JobId>> Ids = enqueueAll(Jobs);
      std::string Err = Ids ? "" : llvm::toString(Ids.takeError());
      G.lock();
      for (size_t I = 0; I < Batch.size(); ++I) {
        if (Err.empty())
          Batch[I]->Id = (*Ids)[I];
        else
          Batch[I]->Error = Err;
        Batch[I]->Done = true;
      }
    }
    GroupLeader = false;
    GroupDone.notify_all();
  }
  if (!P->Error.empty())
    return llvm::createStringError(llvm::inconvertibleErrorCode(), P->Error);
  return P->Id;
}

Expected<std::vector<JobId>> JobQueue::enqueueAll(llvm::ArrayRef<NewJob> Jobs) {
  for (const NewJob &NJ : Jobs) {
    if (NJ.Kind == JobKind::ProjectCancel)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "job queue: use cancel() for "
                                     "project.cancel");
    if (NJ.Project.empty())
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "job queue: a job needs a project");
  }
  std::vector<JobId> Ids;
  if (Jobs.empty())
    return Ids;
  std::lock_guard<std::mutex> L(M);
  sql::Transaction T(Db);
  if (auto E = T.begin())
    return E;
  double Now = now();
  for (const NewJob &NJ : Jobs) {
    sql::Stmt S(Db, "INSERT INTO jobs(kind, project, target, payload, "
                    "restart, status, enqueued_at, last_update) VALUES "
                    "(?1, ?2, ?3, ?4, ?5, 'queued', ?6, ?6) RETURNING id");
    S.bind(1, toString(NJ.Kind))
        .bind(2, NJ.Project)
        .bind(3, NJ.Target)
        .bind(4, NJ.Payload)
        .bind(5, NJ.Restart)
        .bind(6, Now);
    auto Row = S.step();
    if (!Row)
      return Row.takeError();
    Ids.push_back(S.i64(0));
    if (auto E = S.run())
      return E;
    if (auto E = addEvent(Db, Ids.back(), Now, "enqueued"))
      return E;
  }
  // With synchronous=FULL, COMMIT returns after the WAL is on disk: only
  // then may the ids be handed out.
  if (auto E = T.commit())
    return E;
  Changed.notify_all();
  return Ids;
}

Expected<std::optional<Job>> JobQueue::claimLocked() {
  sql::Transaction T(Db);
  if (auto E = T.begin())
    return E;
  // The lowest runnable id. A project.cancel job runs even while its
  // project is busy (it is what stops the busy job); any other job waits
  // until nothing of its project runs. Taking the global minimum keeps
  // each project's jobs in id order.
  sql::Stmt Pick(Db, R"sql(
SELECT j.id FROM jobs j WHERE j.status = 'queued' AND (
  (j.kind = 'project.cancel' AND NOT EXISTS (
     SELECT 1 FROM jobs r WHERE r.project = j.project
       AND r.status = 'running' AND r.kind = 'project.cancel'))
  OR (j.kind <> 'project.cancel' AND NOT EXISTS (
     SELECT 1 FROM jobs r WHERE r.project = j.project
       AND r.status = 'running')
     AND NOT EXISTS (
     SELECT 1 FROM jobs c WHERE c.project = j.project AND c.id < j.id
       AND c.status = 'queued' AND c.kind = 'project.cancel')))
ORDER BY (j.kind <> 'project.cancel'), j.id LIMIT 1)sql");
  auto Row = Pick.step();
  if (!Row)
    return Row.takeError();
  if (!*Row)
    return std::optional<Job>();
  JobId Id = Pick.i64(0);
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
    double Now = now();
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
