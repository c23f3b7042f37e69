// Fuzzing the frame parser and the handshake: random and mutated frames (byte-level, and JSON-level with
// a correct CRC so they reach the parsers) fed to the FrameDecoder and to the tracker's logic in every
// connection state. Nothing may crash, leak or throw anything but a FormatError out of the decoder;
// no mutated auth frame may authenticate; the tracker still serves a clean client and worker after.
// Bounded here (seeded, a few seconds, also under ASan/UBSan); DCOC_FUZZ_ITERATIONS runs it longer.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <deque>
#include <random>

#include "host/server/tracker_core.h"
#include "tests/server/farm_util.h"

namespace dcoc::server {
namespace {

using measure::MessageType;

size_t Iterations(size_t fallback) {
  if (const char* s = std::getenv("DCOC_FUZZ_ITERATIONS")) return std::strtoull(s, nullptr, 10);
  return fallback;
}

struct Sink : Transport {
  std::set<ConnId> closed;
  std::deque<std::tuple<ConnId, MessageType, nlohmann::json>> sent;  // the latest frames
  void Send(ConnId c, MessageType t, const nlohmann::json& p) override {
    sent.emplace_back(c, t, p);
    if (sent.size() > 4096) sent.pop_front();
  }
  void Close(ConnId c) override { closed.insert(c); }
  bool Authenticated(ConnId) override { return true; }
  std::optional<nlohmann::json> Last(ConnId c, MessageType t) const {
    for (auto it = sent.rbegin(); it != sent.rend(); ++it)
      if (std::get<0>(*it) == c && std::get<1>(*it) == t) return std::get<2>(*it);
    return std::nullopt;
  }
};

class Mutator {
 public:
  explicit Mutator(uint64_t seed) : rng_(seed) {}
  size_t Below(size_t n) { return n ? size_t(rng_() % n) : 0; }
  bool Chance(int percent) { return Below(100) < size_t(percent); }

  nlohmann::json RandomValue(int depth = 0) {
    switch (Below(depth > 2 ? 5 : 7)) {
      case 0:
        return nullptr;
      case 1:
        return int64_t(rng_()) >> Below(64);
      case 2:
        return double(rng_()) / double(rng_() | 1);
      case 3: {
        std::string s(Below(Chance(5) ? 5000 : 40), 'a');
        for (char& c : s) c = char(Below(256));
        return s;
      }
      case 4:
        return Chance(50);
      case 5: {
        nlohmann::json a = nlohmann::json::array();
        for (size_t i = Below(4); i > 0; --i) a.push_back(RandomValue(depth + 1));
        return a;
      }
      default: {
        nlohmann::json o = nlohmann::json::object();
        for (size_t i = Below(4); i > 0; --i) o[std::string(1, char('a' + Below(26)))] = RandomValue(depth + 1);
        return o;
      }
    }
  }

  // Replaces, removes or adds a field somewhere in the payload.
  void MutateJson(nlohmann::json& j, int depth = 0) {
    if (!j.is_object() && !j.is_array()) {
      j = RandomValue();
      return;
    }
    if (j.empty() || Chance(20)) {
      if (j.is_object()) j[Chance(50) ? std::string("id") : std::string(1, char('a' + Below(26)))] = RandomValue();
      else j.push_back(RandomValue());
      return;
    }
    auto it = j.begin();
    std::advance(it, std::ptrdiff_t(Below(j.size())));
    if (depth < 3 && (it->is_object() || it->is_array()) && Chance(60)) return MutateJson(*it, depth + 1);
    if (Chance(25) && j.is_object()) {
      j.erase(it.key());
      return;
    }
    *it = RandomValue();
  }

  std::vector<uint8_t> MutateBytes(std::vector<uint8_t> b) {
    for (size_t n = 1 + Below(4); n > 0; --n) {
      switch (Below(6)) {
        case 0:
          if (!b.empty()) b[Below(b.size())] ^= uint8_t(1u << Below(8));
          break;
        case 1:
          if (!b.empty()) b[Below(b.size())] = uint8_t(Below(256));
          break;
        case 2:
          b.insert(b.begin() + std::ptrdiff_t(Below(b.size() + 1)), uint8_t(Below(256)));
          break;
        case 3:
          if (!b.empty()) b.erase(b.begin() + std::ptrdiff_t(Below(b.size())));
          break;
        case 4:
          b.resize(Below(b.size() + 1));
          break;
        default:
          if (b.size() >= 12)  // a random length field
            for (int i = 0; i < 4; ++i) b[8 + size_t(i)] = uint8_t(Below(256));
      }
    }
    return b;
  }

  std::mt19937_64& rng() { return rng_; }

 private:
  std::mt19937_64 rng_;
};

// Valid frames of every kind, to mutate.
std::vector<std::pair<MessageType, nlohmann::json>> Corpus(const testing::Keys& keys) {
  const std::vector<measure::Request> reqs = testing::Requests(2);
  std::vector<std::pair<MessageType, nlohmann::json>> c;
  c.emplace_back(MessageType::kChallenge, nlohmann::json{{"nonce", Hex(RandomBytes(32))}});
  c.emplace_back(MessageType::kAuth, PeerHandshake(keys.client).Answer({{"nonce", Hex(RandomBytes(32))}}));
  c.emplace_back(MessageType::kWelcome, nlohmann::json{{"mac", Hex(RandomBytes(32))}, {"heartbeat_seconds", 1}});
  Capabilities caps = testing::FakeCaps(2);
  caps.running = {"alice/1"};
  c.emplace_back(MessageType::kRegister, ToJson(caps));
  c.emplace_back(MessageType::kMeasure,
                 nlohmann::json{{"id", "1"}, {"request", measure::ToJson(reqs[0])}, {"route", ToJson(RouteOf(reqs[0]))}});
  c.emplace_back(MessageType::kResult, nlohmann::json{{"id", "alice/1"}, {"measurement", {{"status", "ok"}}}});
  c.emplace_back(MessageType::kError, nlohmann::json{{"id", "alice/1"}, {"message", "no"}});
  c.emplace_back(MessageType::kAck, nlohmann::json{{"ids", {"1", "2"}}});
  c.emplace_back(MessageType::kCancel, nlohmann::json{{"ids", {"1"}}, {"all", false}});
  c.emplace_back(MessageType::kHeartbeat, nlohmann::json{{"running", 1}});
  c.emplace_back(MessageType::kStatus, nlohmann::json::object());
  c.emplace_back(MessageType::kShutdown, nlohmann::json::object());
  return c;
}

TEST(Fuzz, FrameDecoderOnlyEverThrowsFormatErrors) {
  const testing::Keys keys;
  const auto corpus = Corpus(keys);
  Mutator mu(1);
  const size_t n = Iterations(20000);
  size_t frames = 0, errors = 0;
  for (size_t i = 0; i < n; ++i) {
    std::vector<uint8_t> bytes;
    if (mu.Chance(10)) {
      bytes.resize(mu.Below(200));
      for (uint8_t& b : bytes) b = uint8_t(mu.Below(256));
    } else {
      for (size_t k = 1 + mu.Below(3); k > 0; --k) {
        const auto& [t, p] = corpus[mu.Below(corpus.size())];
        const std::vector<uint8_t> f = measure::EncodeFrame(t, p);  // the corpus is valid UTF-8
        bytes.insert(bytes.end(), f.begin(), f.end());
      }
      bytes = mu.MutateBytes(std::move(bytes));
    }
    measure::FrameDecoder dec(4096);
    try {
      // Fed in random chunks, as a socket delivers them.
      size_t at = 0;
      while (at < bytes.size()) {
        const size_t len = 1 + mu.Below(bytes.size() - at);
        dec.Feed({bytes.data() + at, len});
        at += len;
        while (dec.Next()) ++frames;
      }
      dec.Finish();
    } catch (const FormatError&) {
      ++errors;
    }
  }
  EXPECT_GT(errors, n / 2);  // most mutations are caught
  EXPECT_GT(frames, 0u);
}

// Feeds mutated frames to the tracker's logic on connections in every state; checks that it never
// throws, that mutated auth frames never authenticate, and that it still works afterwards.
TEST(Fuzz, TrackerSurvivesMutatedFramesInEveryState) {
  const testing::Keys keys;
  const auto corpus = Corpus(keys);
  Sink tx;
  Clock::time_point now = Clock::now();
  TrackerOptions o = testing::FastOptions();
  o.idle_seconds = 1;  // on the test's own clock
  o.handshake_seconds = 1;
  o.job_grace_seconds = 5;
  TrackerCore core(o, keys.Ring(), tx, Logger("fuzz", [](std::string_view) {}));
  Mutator mu(2);
  ConnId next = 0;
  int64_t authenticated = 0;  // connections a fuzzed frame authenticated
  size_t unauthenticated = 0;  // connections that started without authenticating
  const size_t n = Iterations(20000);
  for (size_t i = 0; i < n; ++i) {
    const ConnId c = ++next;
    core.Opened(c, "127.0.0.1:1", now);
    const std::string nonce = tx.Last(c, MessageType::kChallenge)->at("nonce");
    // Half of the connections authenticate properly first (as a random role), then get fuzzed.
    const int state = int(mu.Below(4));
    if (state == 0) ++unauthenticated;
    if (state > 0) {
      const Key& k = state == 1 ? keys.client : state == 2 ? keys.worker : keys.admin;
      PeerHandshake hs(k);
      core.Received(c, {MessageType::kAuth, hs.Answer({{"nonce", nonce}})}, now);
      if (state == 2 && mu.Chance(70)) core.Received(c, {MessageType::kRegister, ToJson(testing::FakeCaps(2))}, now);
    }
    for (size_t k = 1 + mu.Below(4); k > 0 && !tx.closed.count(c); --k) {
      auto [type, payload] = corpus[mu.Below(corpus.size())];
      bool intact = false;  // an auth frame for this challenge whose signed fields survived the mutation
      if (type == MessageType::kAuth && state == 0) {
        payload = PeerHandshake(keys.client).Answer({{"nonce", nonce}});
        const nlohmann::json original = payload;
        mu.MutateJson(payload);
        intact = true;
        for (const char* field : {"key_id", "role", "nonce", "mac"})
          intact = intact && payload.contains(field) && payload[field] == original[field];
      } else if (mu.Chance(85)) {
        mu.MutateJson(payload);
      }
      if (mu.Chance(10)) type = MessageType(1 + mu.Below(measure::kLastMessageType));
      intact = intact && type == MessageType::kAuth;
      // Through the encoder and decoder, as on the wire (a payload the encoder refuses is skipped).
      std::vector<uint8_t> bytes;
      try {
        bytes = measure::EncodeFrame(type, payload);
      } catch (const std::exception&) {
        continue;  // random bytes that are not UTF-8: no peer can send them as JSON
      }
      measure::FrameDecoder dec(o.max_frame_bytes);
      dec.Feed(bytes);
      std::optional<measure::Frame> f;
      try {
        f = dec.Next();
      } catch (const FormatError&) {
        continue;  // not valid UTF-8 JSON after all: the channel would close the connection
      }
      ASSERT_TRUE(f.has_value());
      const bool had_welcome = tx.Last(c, MessageType::kWelcome).has_value();
      EXPECT_NO_THROW(core.Received(c, std::move(*f), now));
      if (!had_welcome && tx.Last(c, MessageType::kWelcome).has_value()) {
        ++authenticated;
        EXPECT_TRUE(state > 0 || intact) << "a mutated auth frame authenticated: " << payload.dump();
      }
    }
    if (mu.Chance(30)) core.Closed(c, CloseCause::kEof, "", now);
    if (mu.Chance(5)) {
      now += std::chrono::seconds(2);
      EXPECT_NO_THROW(core.Tick(now));
    }
  }
  EXPECT_EQ(core.counters().auth_ok, authenticated + int64_t(n) - int64_t(unauthenticated));

  // Still serving: a clean worker and client get a request measured.
  now += std::chrono::seconds(30);
  core.Tick(now);
  auto connect = [&](const Key& k) {
    const ConnId c = ++next;
    core.Opened(c, "127.0.0.1:2", now);
    PeerHandshake hs(k);
    core.Received(c, {MessageType::kAuth, hs.Answer(*tx.Last(c, MessageType::kChallenge))}, now);
    return c;
  };
  const ConnId w = connect(keys.worker);
  core.Received(w, {MessageType::kRegister, ToJson(testing::FakeCaps(1))}, now);
  const ConnId cl = connect(keys.client2);
  const measure::Request r = testing::Requests(1)[0];
  core.Received(cl, {MessageType::kMeasure, {{"id", "final"}, {"request", measure::ToJson(r)}, {"route", ToJson(RouteOf(r))}}},
                now);
  const std::optional<nlohmann::json> job = tx.Last(w, MessageType::kMeasure);
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->at("id"), "bob/final");
  core.Received(w, {MessageType::kResult, {{"id", "bob/final"}, {"measurement", {{"status", "ok"}}}}}, now);
  EXPECT_TRUE(tx.Last(cl, MessageType::kResult).has_value());
}

TEST(Fuzz, PeerHandshakeRejectsMutatedChallengesAndWelcomes) {
  const testing::Keys keys;
  Mutator mu(3);
  const size_t n = Iterations(20000);
  int accepted = 0;
  for (size_t i = 0; i < n; ++i) {
    PeerHandshake hs(keys.client);
    nlohmann::json challenge = {{"nonce", Hex(RandomBytes(32))}};
    if (mu.Chance(50)) mu.MutateJson(challenge);
    nlohmann::json auth;
    try {
      auth = hs.Answer(challenge);
    } catch (const FormatError&) {
      continue;
    }
    nlohmann::json welcome = {{"mac", WelcomeMac(keys.client, challenge["nonce"].get<std::string>(),
                                                 auth["nonce"].get<std::string>())}};
    const nlohmann::json original = welcome;
    mu.MutateJson(welcome);
    try {
      hs.CheckWelcome(welcome);
      ++accepted;
      EXPECT_EQ(welcome["mac"], original["mac"]) << "a mutated welcome MAC was accepted";
    } catch (const Error&) {
    }
  }
  EXPECT_LT(accepted, int(n));
}

}  // namespace
}  // namespace dcoc::server
