// The farm over loopback TCP: a tracker, workers with a fast fake runner and clients in this process.
// End to end, TLS, refusals of raw connections, a worker lost mid-measurement, a restarted tracker.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>

#include "host/common/error.h"
#include "host/measure/protocol.h"
#include "host/server/client.h"
#include "tests/server/farm_util.h"

namespace dcoc::server {
namespace {

using measure::MessageType;
using ::testing::HasSubstr;
using namespace testing;

// A raw TCP connection to 127.0.0.1 (blocking, bounded reads).
class RawConn {
 public:
  explicit RawConn(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) ADD_FAILURE() << "connect failed";
  }
  ~RawConn() { Close(); }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  void Write(const std::vector<uint8_t>& b) { (void)!::write(fd_, b.data(), b.size()); }
  void Write(MessageType t, const nlohmann::json& p) { Write(measure::EncodeFrame(t, p)); }
  // The next frame, or nullopt at the end of the stream or after `seconds`.
  std::optional<measure::Frame> Read(double seconds = 5) {
    const auto until =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    for (;;) {
      if (std::optional<measure::Frame> f = dec_.Next()) return f;
      const int left = int(std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count());
      if (left <= 0) return std::nullopt;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, left) <= 0) return std::nullopt;
      uint8_t buf[4096];
      const ssize_t n = ::read(fd_, buf, sizeof(buf));
      if (n <= 0) {
        eof_ = true;
        return std::nullopt;
      }
      dec_.Feed({buf, size_t(n)});
    }
  }
  // True when the tracker closed the connection within `seconds` (frames before that are skipped).
  bool ClosedWithin(double seconds) {
    const auto until =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    while (Clock::now() < until && !eof_) Read(0.05);
    return eof_;
  }
  // Authenticates with `k`; returns the welcome (nullopt when refused).
  std::optional<measure::Frame> Authenticate(const Key& k) {
    std::optional<measure::Frame> ch = Read();
    if (!ch || ch->type != MessageType::kChallenge) return std::nullopt;
    hs_ = std::make_unique<PeerHandshake>(k);
    Write(MessageType::kAuth, hs_->Answer(ch->payload));
    std::optional<measure::Frame> w = Read();
    if (!w || w->type != MessageType::kWelcome) return std::nullopt;
    return w;
  }

 private:
  int fd_ = -1;
  measure::FrameDecoder dec_{1u << 24};
  bool eof_ = false;
  std::unique_ptr<PeerHandshake> hs_;
};

// A farm worker in a thread of this process.
class WorkerThread {
 public:
  WorkerThread(const std::string& address, const Key& key, int slots, MeasureLog* log, double delay = 0) {
    WorkerOptions o;
    o.peer = PeerOpts(address, key, "worker");
    o.caps = FakeCaps(slots);
    o.runners = FakeRunners(log, delay);
    worker_ = std::make_unique<FarmWorker>(std::move(o));
    thread_ = std::thread([this] {
      try {
        worker_->Run();
      } catch (const Error& e) {
        error_ = e.what();
      }
    });
  }
  ~WorkerThread() {
    worker_->Stop();
    thread_.join();
  }
  FarmWorker& worker() { return *worker_; }

 private:
  std::unique_ptr<FarmWorker> worker_;
  std::thread thread_;
  std::string error_;
};

ClientOptions ClientFor(const std::string& address, const Key& key) {
  ClientOptions c;
  c.peer = PeerOpts(address, key, "client");
  c.max_wait_seconds = 30;
  return c;
}

void ExpectAllOk(const std::vector<measure::Request>& reqs, const std::vector<measure::Measurement>& got) {
  ASSERT_EQ(got.size(), reqs.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].status, measure::Status::kOk) << got[i].error;
    EXPECT_EQ(compiler::ToString(got[i].schedule),
              compiler::ToString(compiler::Normalize(reqs[i].layer, reqs[i].schedule)));
  }
}

TEST(Farm, MeasuresThroughTrackerAndWorkers) {
  Keys keys;
  TrackerThread t(FastOptions(), keys.Ring());
  MeasureLog measured;
  WorkerThread w1(t.address(), keys.worker, 2, &measured), w2(t.address(), keys.worker, 2, &measured);
  // Both registered before the work starts (under load one worker could otherwise do all 40 alone).
  ASSERT_TRUE(t.WaitLog("registered worker fake", 60, 2)) << t.log();
  FarmClient client(ClientFor(t.address(), keys.client));
  const std::vector<measure::Request> reqs = Requests(40);
  size_t calls = 0;
  const std::vector<measure::Measurement> got = client.Run(reqs, [&](size_t, const measure::Measurement&) { ++calls; });
  ExpectAllOk(reqs, got);
  EXPECT_EQ(calls, reqs.size());
  EXPECT_EQ(measured.Total(), 40);
  const nlohmann::json s = client.Status();
  EXPECT_EQ(s["workers"].size(), 2u);
  EXPECT_EQ(s["queues"]["clients"][0]["completed"], 40);
  EXPECT_EQ(client.counts().duplicates, 0);
  // A second batch on the same connection.
  const std::vector<measure::Measurement> again =
      client.Run(std::vector<measure::Request>(reqs.begin(), reqs.begin() + 5));
  EXPECT_EQ(again.size(), 5u);
}

TEST(Farm, FarmStatusCommandSeesWorkers) {
  Keys keys;
  TrackerThread t(FastOptions(), keys.Ring());
  MeasureLog measured;
  WorkerThread w(t.address(), keys.worker, 3, &measured);
  ASSERT_TRUE(t.WaitLog("registered worker fake"));
  const nlohmann::json s = FarmStatus(PeerOpts(t.address(), keys.admin));
  ASSERT_EQ(s["workers"].size(), 1u);
  EXPECT_EQ(s["workers"][0]["slots"], 3);
  EXPECT_EQ(s["workers"][0]["backends"], nlohmann::json({"fsim"}));
  Key wrong = keys.admin;
  wrong.secret = RandomBytes(32);
  try {
    FarmStatus(PeerOpts(t.address(), wrong));
    ADD_FAILURE() << "a wrong secret got a status";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("refused key \"root\": authentication failed"));
  }
  EXPECT_TRUE(t.WaitLog("refused: wrong MAC for key \"root\""));
}

TEST(Farm, RefusesGarbageOversizedAndMalformedConnections) {
  Keys keys;
  TrackerThread t(FastOptions(), keys.Ring());
  {
    RawConn c(t.port());
    c.Write(std::vector<uint8_t>(64, 'x'));
    EXPECT_TRUE(c.ClosedWithin(60));
  }
  EXPECT_TRUE(t.WaitLog("malformed frame: magic 0x78787878"));
  {
    // A header announcing 1 MiB before authenticating: refused before the payload is read.
    RawConn c(t.port());
    std::vector<uint8_t> frame = measure::EncodeFrame(MessageType::kAuth, {{"pad", std::string(1 << 20, 'a')}});
    frame.resize(measure::kFrameHeaderBytes);
    c.Write(frame);
    EXPECT_TRUE(c.ClosedWithin(60));
  }
  EXPECT_TRUE(t.WaitLog("exceeds the limit of 4096 bytes"));
  {
    // Authenticated, then a JSON payload that is not an object.
    RawConn c(t.port());
    ASSERT_TRUE(c.Authenticate(keys.client).has_value());
    c.Write(measure::EncodeFrame(MessageType::kHeartbeat, nlohmann::json::object()));
    const std::string body = "[1,2]";
    std::vector<uint8_t> bad = measure::EncodeFrame(MessageType::kHeartbeat, nlohmann::json::object());
    bad.resize(measure::kFrameHeaderBytes);
    const uint32_t len = uint32_t(body.size()),
                   crc = measure::Crc32({reinterpret_cast<const uint8_t*>(body.data()), body.size()});
    for (int i = 0; i < 4; ++i)
      bad[8 + size_t(i)] = uint8_t(len >> (8 * i)), bad[12 + size_t(i)] = uint8_t(crc >> (8 * i));
    bad.insert(bad.end(), body.begin(), body.end());
    c.Write(bad);
    EXPECT_TRUE(c.ClosedWithin(60));
  }
  EXPECT_TRUE(t.WaitLog("payload must be a JSON object, got a array"));
  const TrackerCore::Counters n = t.tracker().Counters();
  EXPECT_EQ(n.malformed, 2);
  EXPECT_EQ(n.oversized, 1);
  EXPECT_EQ(n.handshake_timeouts, 0);
}

TEST(Farm, SilentConnectionsAreClosedAfterTheHandshakeTime) {
  Keys keys;
  TrackerOptions o = FastOptions();
  o.handshake_seconds = 0.5;
  TrackerThread t(o, keys.Ring());
  RawConn c(t.port());
  EXPECT_TRUE(c.ClosedWithin(60));  // says nothing: closed once the handshake time has passed
  EXPECT_TRUE(t.WaitLog("refused: did not authenticate within 0.5 s"));
  EXPECT_EQ(t.tracker().Counters().handshake_timeouts, 1);
}

TEST(Farm, AuthenticatedPeersMayUseLargeFrames) {
  Keys keys;
  TrackerThread t(FastOptions(), keys.Ring());
  RawConn c(t.port());
  ASSERT_TRUE(c.Authenticate(keys.client).has_value());
  c.Write(MessageType::kHeartbeat, {{"pad", std::string(64 * 1024, 'a')}});
  c.Write(MessageType::kStatus, nlohmann::json::object());
  std::optional<measure::Frame> f;
  do f = c.Read(60);
  while (f && f->type == MessageType::kHeartbeat);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->type, MessageType::kStatus);
}

TEST(Farm, IdleConnectionsAreClosed) {
  Keys keys;
  TrackerOptions o = FastOptions();
  o.idle_seconds = 0.5;
  TrackerThread t(o, keys.Ring());
  RawConn c(t.port());
  c.Authenticate(keys.client);      // may itself be cut short on a slow machine: only the closing matters
  EXPECT_TRUE(c.ClosedWithin(60));  // silent for longer than the idle limit
  EXPECT_TRUE(t.WaitLog("closed: idle for"));
}

TEST(Farm, TlsCarriesTheProtocolAndRefusesUntrustedTrackers) {
  Certs certs;
  ASSERT_TRUE(certs.ok) << "openssl could not make the test certificates";
  Keys keys;
  TrackerThread t(FastOptions(), keys.Ring(), 0, TlsOptions{certs.Path("srv.pem"), certs.Path("srv.key"), ""});
  MeasureLog measured;
  {
    WorkerOptions o;
    o.peer = PeerOpts(t.address(), keys.worker, "worker");
    o.peer.tls.ca = certs.Path("ca.pem");
    o.caps = FakeCaps(2);
    o.runners = FakeRunners(&measured);
    FarmWorker worker(std::move(o));
    std::thread wt([&] { worker.Run(); });
    ClientOptions co = ClientFor(t.address(), keys.client);
    co.peer.tls.ca = certs.Path("ca.pem");
    {
      FarmClient client(co);
      const std::vector<measure::Request> reqs = Requests(10);
      ExpectAllOk(reqs, client.Run(reqs));
    }
    worker.Stop();
    wt.join();
  }
  EXPECT_EQ(measured.Total(), 10);
  // A client that trusts another CA refuses the tracker's certificate.
  ClientOptions other = ClientFor(t.address(), keys.client);
  other.peer.tls.ca = certs.Path("other.pem");
  other.peer.reconnect_seconds = 0;
  try {
    FarmClient c(other);
    ADD_FAILURE() << "connected to a tracker whose certificate it cannot verify";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("certificate verify failed"));
  }
  // A plain-TCP peer gets nowhere with a TLS tracker.
  RawConn raw(t.port());
  raw.Write(measure::EncodeFrame(MessageType::kAuth, nlohmann::json::object()));
  EXPECT_TRUE(raw.ClosedWithin(5));
  EXPECT_TRUE(t.WaitLog("TLS handshake failed"));
}

TEST(Farm, TlsHostNameMustMatch) {
  Certs certs("not-this-host");
  ASSERT_TRUE(certs.ok);
  // The certificate names 127.0.0.1 only in its IP SAN; a client told to reach "localhost" refuses it.
  Keys keys;
  TrackerThread t(FastOptions(), keys.Ring(), 0, TlsOptions{certs.Path("srv.pem"), certs.Path("srv.key"), ""});
  ClientOptions co = ClientFor(fmt::format("localhost:{}", t.port()), keys.client);
  co.peer.tls.ca = certs.Path("ca.pem");
  co.peer.reconnect_seconds = 0;
  try {
    FarmClient c(co);
    ADD_FAILURE() << "accepted a certificate for another host";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("certificate verify failed"));
  }
}

TEST(Farm, AWorkerLostMidMeasurementCostsNothing) {
  Keys keys;
  TrackerThread t(FastOptions(), keys.Ring());
  MeasureLog measured;
  // The lost worker is a raw connection: it registers two slots, takes measurements and disappears
  // without answering them.
  RawConn lost(t.port());
  ASSERT_TRUE(lost.Authenticate(keys.worker).has_value());
  Capabilities caps = FakeCaps(2);
  caps.name = "lost";
  lost.Write(MessageType::kRegister, ToJson(caps));
  ASSERT_TRUE(t.WaitLog("registered worker lost"));
  FarmClient client(ClientFor(t.address(), keys.client));
  const std::vector<measure::Request> reqs = Requests(20);
  std::vector<measure::Measurement> got;
  std::thread run([&] {
    try {
      got = client.Run(reqs);
    } catch (const Error& e) {
      ADD_FAILURE() << e.what();
    }
  });
  int taken = 0;
  for (std::optional<measure::Frame> f; taken < 2 && (f = lost.Read(60));)
    if (f->type == MessageType::kMeasure) ++taken;
  EXPECT_EQ(taken, 2);
  lost.Close();
  WorkerThread steady(t.address(), keys.worker, 1, &measured);
  run.join();
  ExpectAllOk(reqs, got);
  EXPECT_EQ(t.tracker().Counters().requeued, 2);
  EXPECT_EQ(measured.Total(), 20);
}

TEST(Farm, ARestartedTrackerIsRejoinedAndLosesNothing) {
  Keys keys;
  MeasureLog measured;
  auto t = std::make_unique<TrackerThread>(FastOptions(), keys.Ring());
  const uint16_t port = t->port();
  const std::string address = t->address();
  // The 16th and later measurements wait until the tracker has been restarted: the tracker goes away
  // with requests queued, running and finished but not yet delivered.
  Gate restarted;
  std::atomic<int> started{0};
  auto hold = [&] {
    if (++started > 15) restarted.Wait();
  };
  auto worker = [&] {
    WorkerOptions o;
    o.peer = PeerOpts(address, keys.worker, "worker");
    o.caps = FakeCaps(2);
    o.runners = FakeRunners(&measured, 0, hold);
    return std::make_unique<FarmWorker>(std::move(o));
  };
  std::unique_ptr<FarmWorker> w1 = worker(), w2 = worker();
  auto serve = [](FarmWorker& w) {
    try {
      w.Run();
    } catch (const Error& e) {
      ADD_FAILURE() << e.what();
    }
  };
  std::thread r1(serve, std::ref(*w1)), r2(serve, std::ref(*w2));
  FarmClient client(ClientFor(address, keys.client));
  const std::vector<measure::Request> reqs = Requests(60);
  std::thread restarter([&] {
    Eventually([&] { return started.load() >= 19; });  // all four slots held
    t.reset();
    t = std::make_unique<TrackerThread>(FastOptions(), keys.Ring(), port);
    restarted.Open();
  });
  std::set<size_t> seen;
  std::vector<measure::Measurement> got;
  try {
    got = client.Run(reqs, [&](size_t i, const measure::Measurement&) {
      EXPECT_TRUE(seen.insert(i).second) << "request " << i << " answered twice";
    });
  } catch (const Error& e) {
    ADD_FAILURE() << e.what();
  }
  restarted.Open();
  restarter.join();
  w1->Stop();
  w2->Stop();
  r1.join();
  r2.join();
  ExpectAllOk(reqs, got);
  EXPECT_EQ(seen.size(), reqs.size());
  EXPECT_GE(client.counts().reconnections, 1);
  EXPECT_GE(measured.Total(), 60);
}

TEST(Farm, ClientGivesUpWithoutATracker) {
  Keys keys;
  uint16_t port = 0;
  {
    TrackerThread t(FastOptions(), keys.Ring());
    port = t.port();
  }
  ClientOptions co = ClientFor(fmt::format("127.0.0.1:{}", port), keys.client);
  co.peer.connect_seconds = 1;
  co.peer.reconnect_seconds = 1;
  try {
    FarmClient c(co);
    ADD_FAILURE() << "connected to nothing";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(),
                HasSubstr(fmt::format("measurement farm: no connection to the tracker at 127.0.0.1:{}", port)));
  }
  co.peer.key = keys.worker;
  try {
    FarmClient c(co);
    ADD_FAILURE();
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "key \"w\" is a worker key; measuring through the farm needs a client key");
  }
}

}  // namespace
}  // namespace dcoc::server
