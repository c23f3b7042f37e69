// The tracker's logic, driven directly (no network): authentication and every refusal, fairness,
// matching, requeueing, deduplication, hung workers, a restarted tracker, what a client may see.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "host/server/tracker_core.h"
#include "tests/server/farm_util.h"

namespace dcoc::server {
namespace {

using measure::MessageType;
using ::testing::HasSubstr;

struct FakeTransport : Transport {
  struct Sent {
    ConnId conn;
    MessageType type;
    nlohmann::json payload;
  };
  std::vector<Sent> sent;
  std::set<ConnId> closed;
  std::set<ConnId> early_data;  // connections whose peer sent more before the welcome

  void Send(ConnId c, MessageType t, const nlohmann::json& p) override { sent.push_back({c, t, p}); }
  void Close(ConnId c) override { closed.insert(c); }
  bool Authenticated(ConnId c) override { return !early_data.count(c); }

  std::vector<nlohmann::json> Frames(ConnId c, MessageType t) const {
    std::vector<nlohmann::json> out;
    for (const Sent& s : sent)
      if (s.conn == c && s.type == t) out.push_back(s.payload);
    return out;
  }
  std::optional<nlohmann::json> Last(ConnId c, MessageType t) const {
    std::vector<nlohmann::json> f = Frames(c, t);
    if (f.empty()) return std::nullopt;
    return f.back();
  }
  std::vector<std::string> Ids(ConnId c, MessageType t) const {
    std::vector<std::string> out;
    for (const nlohmann::json& p : Frames(c, t)) out.push_back(p["id"].get<std::string>());
    return out;
  }
};

class CoreTest : public ::testing::Test {
 protected:
  TrackerOptions Options() {
    TrackerOptions o;
    o.heartbeat_seconds = 1;
    o.idle_seconds = 5;
    o.handshake_seconds = 3;
    o.job_grace_seconds = 10;
    o.max_attempts = 3;
    return o;
  }
  void Reset(TrackerOptions o) {
    core = std::make_unique<TrackerCore>(o, keys.Ring(), tx, Logger("t", [this](std::string_view l) {
                                           log += std::string(l) + "\n";
                                         }));
  }
  void SetUp() override { Reset(Options()); }

  ConnId Open() {
    const ConnId id = ++next;
    core->Opened(id, fmt::format("127.0.0.1:{}", 40000 + id), now);
    return id;
  }
  ConnId Connect(const Key& k) {
    const ConnId id = Open();
    PeerHandshake hs(k);
    core->Received(id, {MessageType::kAuth, hs.Answer(*tx.Last(id, MessageType::kChallenge))}, now);
    const std::optional<nlohmann::json> w = tx.Last(id, MessageType::kWelcome);
    EXPECT_TRUE(w.has_value()) << log;
    if (w) hs.CheckWelcome(*w);
    return id;
  }
  ConnId Worker(int slots, std::vector<std::string> backends = {"fsim"}, std::vector<std::string> running = {}) {
    const ConnId id = Connect(keys.worker);
    Capabilities c = testing::FakeCaps(slots, std::move(backends));
    c.running = std::move(running);
    core->Received(id, {MessageType::kRegister, ToJson(c)}, now);
    return id;
  }
  void Submit(ConnId c, const std::string& id, const measure::Request& r) {
    core->Received(c, {MessageType::kMeasure, {{"id", id}, {"request", measure::ToJson(r)}, {"route", ToJson(RouteOf(r))}}},
                   now);
  }
  void Result(ConnId w, const std::string& job, const std::string& status = "ok") {
    core->Received(w, {MessageType::kResult, {{"id", job}, {"measurement", {{"status", status}, {"cycles", 7}}}}}, now);
  }
  void Advance(double seconds) {
    now += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    core->Tick(now);
  }
  bool Closed(ConnId c) const { return tx.closed.count(c) > 0; }
  void ExpectRefused(ConnId c, const std::string& reason) {
    EXPECT_TRUE(Closed(c)) << log;
    EXPECT_THAT(log, HasSubstr(fmt::format("conn {} ", c)));
    EXPECT_THAT(log, HasSubstr(reason));
  }

  testing::Keys keys;
  FakeTransport tx;
  std::string log;
  Clock::time_point now = Clock::now();
  std::unique_ptr<TrackerCore> core;
  ConnId next = 0;
  const std::vector<measure::Request> reqs = testing::Requests(12);
};

TEST_F(CoreTest, AuthenticatesEveryRoleAndChallengesWithFreshNonces) {
  const ConnId a = Open(), b = Open();
  const std::string na = tx.Last(a, MessageType::kChallenge)->at("nonce"), nb = tx.Last(b, MessageType::kChallenge)->at("nonce");
  EXPECT_EQ(na.size(), 64u);
  EXPECT_NE(na, nb);
  Connect(keys.client);
  Worker(1);
  Connect(keys.admin);
  EXPECT_EQ(core->counters().auth_ok, 3);
  EXPECT_EQ(core->counters().auth_refused, 0);
}

TEST_F(CoreTest, RefusesFramesBeforeAuthentication) {
  const ConnId c = Open();
  core->Received(c, {MessageType::kMeasure, {{"id", "1"}}}, now);
  ExpectRefused(c, "refused: sent a measure frame before authenticating");
  EXPECT_EQ(tx.Last(c, MessageType::kError)->at("message"), "authenticate first");
  EXPECT_EQ(core->counters().auth_refused, 1);
}

TEST_F(CoreTest, RefusesUnknownKeysWrongRolesAndWrongSecrets) {
  const Key stranger = GenerateKey("mallory", Role::kClient);
  ConnId c = Open();
  core->Received(c, {MessageType::kAuth, PeerHandshake(stranger).Answer(*tx.Last(c, MessageType::kChallenge))}, now);
  ExpectRefused(c, "refused: unknown key id \"mallory\"");
  EXPECT_EQ(tx.Last(c, MessageType::kError)->at("message"), "authentication failed");  // nothing more to the peer

  Key as_worker = keys.client;
  as_worker.role = Role::kWorker;
  c = Open();
  core->Received(c, {MessageType::kAuth, PeerHandshake(as_worker).Answer(*tx.Last(c, MessageType::kChallenge))}, now);
  ExpectRefused(c, "refused: key \"alice\" is a client key, the peer asked to be a worker");

  Key forged = keys.client;
  forged.secret = RandomBytes(32);
  c = Open();
  core->Received(c, {MessageType::kAuth, PeerHandshake(forged).Answer(*tx.Last(c, MessageType::kChallenge))}, now);
  ExpectRefused(c, "refused: wrong MAC for key \"alice\"");
  EXPECT_FALSE(tx.Last(c, MessageType::kWelcome).has_value());
  EXPECT_EQ(core->counters().auth_refused, 3);
  // No secret in the log.
  for (const Key* k : {&keys.client, &keys.worker, &keys.admin, &forged}) EXPECT_THAT(log, ::testing::Not(HasSubstr(Hex(k->secret))));
}

TEST_F(CoreTest, RefusesAReplayedAuthFrame) {
  const ConnId first = Open();
  PeerHandshake hs(keys.client);
  const nlohmann::json recorded = hs.Answer(*tx.Last(first, MessageType::kChallenge));
  core->Received(first, {MessageType::kAuth, recorded}, now);
  ASSERT_TRUE(tx.Last(first, MessageType::kWelcome).has_value());
  // An eavesdropper replays the frame on a connection of its own: the challenge differs.
  const ConnId replay = Open();
  core->Received(replay, {MessageType::kAuth, recorded}, now);
  ExpectRefused(replay, "refused: wrong MAC for key \"alice\" (a wrong secret, or a frame replayed from another connection)");
  EXPECT_FALSE(Closed(first));
}

TEST_F(CoreTest, RefusesMalformedAuthAndEarlyData) {
  ConnId c = Open();
  core->Received(c, {MessageType::kAuth, {{"key_id", "alice"}, {"role", "client"}}}, now);
  ExpectRefused(c, "refused: malformed auth frame: auth frame lacks \"nonce\"");
  EXPECT_EQ(core->counters().malformed, 1);

  c = Open();
  tx.early_data.insert(c);
  PeerHandshake hs(keys.client);
  core->Received(c, {MessageType::kAuth, hs.Answer(*tx.Last(c, MessageType::kChallenge))}, now);
  ExpectRefused(c, "refused: sent data before the welcome");
}

TEST_F(CoreTest, ClosesSlowHandshakesIdlePeersAndUnregisteredWorkers) {
  const ConnId silent = Open();
  const ConnId client = Connect(keys.client);
  const ConnId worker = Connect(keys.worker);  // never registers
  Advance(2);
  EXPECT_FALSE(Closed(silent));
  Advance(1.5);
  ExpectRefused(silent, "refused: did not authenticate within 3 s");
  ExpectRefused(worker, "closed: the worker did not register within 3 s");
  EXPECT_FALSE(Closed(client));
  core->Received(client, {MessageType::kHeartbeat, nlohmann::json::object()}, now);
  Advance(4);
  EXPECT_FALSE(Closed(client));
  Advance(2);
  ExpectRefused(client, "closed: idle for");
  EXPECT_EQ(core->counters().handshake_timeouts, 2);
  EXPECT_EQ(core->counters().idle_closed, 1);
}

TEST_F(CoreTest, RefusesFramesOutsideARolesProtocol) {
  const ConnId w = Connect(keys.worker);
  Result(w, "alice/1");
  ExpectRefused(w, "refused: a worker must register before sending result frames");
  const ConnId c = Connect(keys.client);
  core->Received(c, {MessageType::kRegister, ToJson(testing::FakeCaps(1))}, now);
  ExpectRefused(c, "refused: unexpected register frame from a client");
  const ConnId a = Connect(keys.admin);
  Submit(a, "1", reqs[0]);
  ExpectRefused(a, "refused: an admin connection may not send measure frames");
  const ConnId bad = Connect(keys.client);
  core->Received(bad, {MessageType::kMeasure, {{"id", "x y"}, {"request", nlohmann::json::object()}}}, now);
  ExpectRefused(bad, "refused: malformed measure frame: measure frame: \"id\" has the character code 32 at position 1");
}

TEST_F(CoreTest, ServesClientsFairly) {
  const ConnId w = Worker(1);
  const ConnId alice = Connect(keys.client), bob = Connect(keys.client2);
  for (int i = 0; i < 6; ++i) Submit(alice, fmt::format("a{}", i), reqs[size_t(i)]);
  for (int i = 0; i < 2; ++i) Submit(bob, fmt::format("b{}", i), reqs[size_t(6 + i)]);
  for (int i = 0; i < 8; ++i) Result(w, tx.Ids(w, MessageType::kMeasure).back());
  // Bob's requests, submitted after six of Alice's, do not wait for all of them.
  EXPECT_THAT(tx.Ids(w, MessageType::kMeasure),
              ::testing::ElementsAre("alice/a0", "bob/b0", "alice/a1", "bob/b1", "alice/a2", "alice/a3", "alice/a4",
                                     "alice/a5"));
  EXPECT_EQ(tx.Frames(alice, MessageType::kResult).size(), 6u);
  EXPECT_EQ(tx.Frames(bob, MessageType::kResult).size(), 2u);
  EXPECT_EQ(core->Queued(), 0u);
}

TEST_F(CoreTest, MatchesRequestsToWorkersThatCanServeThem) {
  const ConnId fsim = Worker(2);
  const ConnId c = Connect(keys.client);
  measure::Request v = reqs[0];
  v.backend = "verilator";
  Submit(c, "v", v);
  Submit(c, "f", reqs[1]);
  EXPECT_THAT(tx.Ids(fsim, MessageType::kMeasure), ::testing::ElementsAre("alice/f"));
  EXPECT_EQ(core->Queued(), 1u);
  Capabilities caps = testing::FakeCaps(1, {"verilator"});
  caps.rtl_sources = RouteOf(v).rtl_sources;
  const ConnId rtl = Connect(keys.worker);
  core->Received(rtl, {MessageType::kRegister, ToJson(caps)}, now);
  EXPECT_THAT(tx.Ids(rtl, MessageType::kMeasure), ::testing::ElementsAre("alice/v"));
}

TEST_F(CoreTest, RequeuesTheMeasurementsOfAWorkerThatDies) {
  const ConnId c = Connect(keys.client);
  const ConnId w1 = Worker(2);
  Submit(c, "1", reqs[0]);
  Submit(c, "2", reqs[1]);
  ASSERT_EQ(tx.Ids(w1, MessageType::kMeasure).size(), 2u);
  core->Closed(w1, CloseCause::kEof, "", now);
  EXPECT_THAT(log, HasSubstr("closed by the peer"));
  EXPECT_EQ(core->Queued(), 2u);
  EXPECT_EQ(core->counters().requeued, 2);
  const ConnId w2 = Worker(2);
  EXPECT_THAT(tx.Ids(w2, MessageType::kMeasure), ::testing::UnorderedElementsAre("alice/1", "alice/2"));
  Result(w2, "alice/1");
  Result(w2, "alice/2");
  EXPECT_THAT(tx.Ids(c, MessageType::kResult), ::testing::UnorderedElementsAre("1", "2"));
}

TEST_F(CoreTest, GivesUpOnARequestThatKillsEveryWorker) {
  const ConnId c = Connect(keys.client);
  Submit(c, "poison", reqs[0]);
  for (int i = 0; i < 3; ++i) {
    const ConnId w = Worker(1);
    ASSERT_EQ(tx.Ids(w, MessageType::kMeasure).size(), 1u);
    core->Closed(w, CloseCause::kNetwork, "connection reset", now);
  }
  const std::optional<nlohmann::json> e = tx.Last(c, MessageType::kError);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->at("id"), "poison");
  EXPECT_EQ(e->at("status"), "worker_crash");
  EXPECT_THAT(e->at("message").get<std::string>(), HasSubstr("lost with 3 workers in a row"));
  EXPECT_EQ(core->Queued() + core->Running(), 0u);
}

TEST_F(CoreTest, AnswersEachIdOnceAndResubmissionsFromTheCache) {
  const ConnId c = Connect(keys.client);
  const ConnId w = Worker(1);
  Submit(c, "1", reqs[0]);
  Result(w, "alice/1");
  Result(w, "alice/1");  // the same result again (a worker that came back after a requeue)
  EXPECT_EQ(tx.Frames(c, MessageType::kResult).size(), 1u);
  EXPECT_EQ(core->counters().duplicates, 1);
  // The client reconnects and submits the same id: answered from the cache, not measured again.
  const ConnId again = Connect(keys.client);
  Submit(again, "1", reqs[0]);
  EXPECT_EQ(tx.Frames(again, MessageType::kResult).size(), 1u);
  EXPECT_EQ(tx.Ids(w, MessageType::kMeasure).size(), 1u);
  EXPECT_EQ(core->counters().resubmitted, 1);
  // Acknowledged results are forgotten.
  core->Received(again, {MessageType::kAck, {{"ids", {"1"}}}}, now);
  const nlohmann::json s = core->Status(Role::kClient, "alice", now);
  EXPECT_EQ(s["queues"]["clients"][0]["results_held"], 0);
}

TEST_F(CoreTest, TakesHungWorkersOutOfRotation) {
  const ConnId c = Connect(keys.client);
  measure::Request quick = reqs[0];
  quick.timeout_seconds = 1;
  const ConnId w = Worker(1);
  Submit(c, "1", quick);
  // The worker keeps heartbeating but the measurement never ends: timeout 1 s + grace 10 s.
  for (int i = 0; i < 11; ++i) {
    core->Received(w, {MessageType::kHeartbeat, nlohmann::json::object()}, now);
    Advance(1);
  }
  EXPECT_FALSE(Closed(w));
  core->Received(w, {MessageType::kHeartbeat, nlohmann::json::object()}, now);
  Advance(1.5);
  ExpectRefused(w, "hung: measurement alice/1 exceeded its timeout of 1 s plus 10 s; out of rotation");
  EXPECT_EQ(core->Queued(), 1u);
  // A worker that stops heartbeating.
  const ConnId silent = Worker(1);
  EXPECT_EQ(tx.Ids(silent, MessageType::kMeasure).size(), 1u);
  Advance(6);
  ExpectRefused(silent, "hung: no heartbeat for");
  EXPECT_EQ(core->counters().hung_workers, 2);
  EXPECT_EQ(core->Queued(), 1u);
}

TEST_F(CoreTest, ARestartedTrackerLosesNoResult) {
  const ConnId c = Connect(keys.client);
  const ConnId w = Worker(2);
  Submit(c, "1", reqs[0]);
  Submit(c, "2", reqs[1]);
  ASSERT_EQ(tx.Ids(w, MessageType::kMeasure).size(), 2u);
  // The tracker restarts; the worker rejoins still measuring both and delivers one before the client
  // is back.
  Reset(Options());
  tx.sent.clear();
  const ConnId w2 = Worker(2, {"fsim"}, {"alice/1", "alice/2"});
  Result(w2, "alice/1");
  EXPECT_EQ(core->counters().orphans, 1);
  const ConnId c2 = Connect(keys.client);
  Submit(c2, "1", reqs[0]);
  Submit(c2, "2", reqs[1]);
  EXPECT_THAT(tx.Ids(c2, MessageType::kResult), ::testing::ElementsAre("1"));
  EXPECT_TRUE(tx.Ids(w2, MessageType::kMeasure).empty()) << "neither is measured again";
  EXPECT_EQ(core->Running(), 1u) << log;
  Result(w2, "alice/2");
  EXPECT_THAT(tx.Ids(c2, MessageType::kResult), ::testing::ElementsAre("1", "2"));
}

TEST_F(CoreTest, AClientSeesOnlyItsOwnQueueAndNoSecrets) {
  const ConnId alice = Connect(keys.client), bob = Connect(keys.client2);
  Worker(1);
  Submit(alice, "1", reqs[0]);
  Submit(alice, "2", reqs[1]);
  Submit(bob, "1", reqs[2]);
  core->Received(bob, {MessageType::kStatus, nlohmann::json::object()}, now);
  const nlohmann::json s = *tx.Last(bob, MessageType::kStatus);
  ASSERT_EQ(s["queues"]["clients"].size(), 1u);
  EXPECT_EQ(s["queues"]["clients"][0]["key_id"], "bob");
  EXPECT_EQ(s["workers"].size(), 1u);
  const nlohmann::json all = core->Status(Role::kAdmin, "", now);
  EXPECT_EQ(all["queues"]["clients"].size(), 2u);
  const std::string dump = all.dump() + s.dump() + log;
  for (const Key* k : {&keys.client, &keys.client2, &keys.worker, &keys.admin})
    EXPECT_THAT(dump, ::testing::Not(HasSubstr(Hex(k->secret))));
  // Bob's results never go to Alice's connection.
  for (const nlohmann::json& r : tx.Frames(alice, MessageType::kResult)) EXPECT_NE(r["id"], "bob/1");
}

TEST_F(CoreTest, CancelDropsQueuedRequestsAndTheQueueIsBounded) {
  TrackerOptions o = Options();
  o.max_queued_per_client = 3;
  Reset(o);
  const ConnId c = Connect(keys.client);
  for (int i = 0; i < 4; ++i) Submit(c, fmt::format("{}", i), reqs[size_t(i)]);
  const std::optional<nlohmann::json> e = tx.Last(c, MessageType::kError);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->at("id"), "3");
  EXPECT_EQ(e->at("message"), "the tracker holds 3 queued requests of this client, the limit is 3");
  core->Received(c, {MessageType::kCancel, {{"ids", {"0"}}}}, now);
  EXPECT_EQ(core->Queued(), 2u);
  core->Received(c, {MessageType::kCancel, {{"all", true}}}, now);
  EXPECT_EQ(core->Queued(), 0u);
  const ConnId w = Worker(1);
  EXPECT_TRUE(tx.Ids(w, MessageType::kMeasure).empty());
}

}  // namespace
}  // namespace dcoc::server
