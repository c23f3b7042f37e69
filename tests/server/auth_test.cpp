// Keys files, HMAC-SHA256 and the handshake's messages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "host/common/error.h"
#include "host/server/auth.h"
#include "host/server/messages.h"
#include "tests/server/farm_util.h"

namespace dcoc::server {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;

template <typename F>
std::string ErrorOf(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Auth, HmacSha256MatchesRfc4231) {
  // RFC 4231 test case 2.
  const std::string key = "Jefe";
  const std::vector<uint8_t> k(key.begin(), key.end());
  EXPECT_EQ(Hex(HmacSha256(k, "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Auth, HexRoundTripAndErrors) {
  const std::vector<uint8_t> b = {0x00, 0x7f, 0xff, 0x10};
  EXPECT_EQ(Hex(b), "007fff10");
  EXPECT_EQ(FromHex("007FFF10", 4, "x"), b);
  EXPECT_EQ(ErrorOf([] { FromHex("00", 4, "nonce"); }), "nonce must be 8 hex digits, got 2 characters");
  EXPECT_EQ(ErrorOf([] { FromHex("0g", 1, "mac"); }), "mac is not hex (character 1)");
}

TEST(Auth, KeysFileParsesAndRefusesWithLineNumbers) {
  const std::string secret(64, 'a');
  const KeyRing ring = KeyRing::Parse("# farm keys\n\nalice client " + secret + "\nw-1 worker " + secret + "\n", "k");
  EXPECT_EQ(ring.size(), 2u);
  ASSERT_NE(ring.Find("w-1"), nullptr);
  EXPECT_EQ(ring.Find("w-1")->role, Role::kWorker);
  EXPECT_EQ(ring.Find("w-1")->secret.size(), 32u);
  EXPECT_EQ(ring.Find("bob"), nullptr);

  EXPECT_EQ(ErrorOf([&] { KeyRing::Parse("alice client\n", "k"); }),
            "k line 1: expected `<id> <role> <secret hex>`, found 2 field(s)");
  EXPECT_EQ(ErrorOf([&] { KeyRing::Parse("alice boss " + secret, "k"); }),
            "k line 1: unknown role \"boss\" (known: client, worker, admin)");
  EXPECT_EQ(ErrorOf([&] { KeyRing::Parse("al/ice client " + secret, "k"); }),
            "k line 1: key id has the character code 47 at position 2: ids use letters, digits, '.', '_' and '-'");
  EXPECT_EQ(ErrorOf([&] { KeyRing::Parse("alice client abcd", "k"); }),
            "k line 1: the secret of key \"alice\" must be at least 16 bytes (32 hex digits), an even number of "
            "digits; it has 4 digits");
  EXPECT_EQ(ErrorOf([&] { KeyRing::Parse("\nalice client " + secret + "\nalice worker " + secret, "k"); }),
            "k line 3: key id \"alice\" appears twice");
  // The secret never appears in an error.
  const std::string bad = std::string(62, 'b') + "zz";
  EXPECT_THAT(ErrorOf([&] { KeyRing::Parse("alice client " + bad, "k"); }), ::testing::Not(HasSubstr("bbbb")));
}

TEST(Auth, KeyFilesAreWrittenPrivateAndRefusedWhenReadableByOthers) {
  TempDir dir;
  const Key k = GenerateKey("alice", Role::kClient);
  WriteKeyFile(dir / "alice.key", k);
  struct stat st {};
  ASSERT_EQ(::stat((dir / "alice.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const Key back = LoadKey(dir / "alice.key");
  EXPECT_EQ(back.id, "alice");
  EXPECT_EQ(back.secret, k.secret);
  EXPECT_THAT(ErrorOf([&] { WriteKeyFile(dir / "alice.key", k); }), HasSubstr("cannot create key file"));

  AppendKey(dir / "tracker.keys", k);
  AppendKey(dir / "tracker.keys", GenerateKey("w", Role::kWorker));
  EXPECT_EQ(KeyRing::Load(dir / "tracker.keys").size(), 2u);
  EXPECT_THAT(ErrorOf([&] { AppendKey(dir / "tracker.keys", k); }), HasSubstr("already has a key \"alice\""));
  EXPECT_THAT(ErrorOf([&] { LoadKey(dir / "tracker.keys"); }), HasSubstr("must hold exactly one key, it holds 2"));

  ::chmod((dir / "alice.key").c_str(), 0644);
  EXPECT_EQ(ErrorOf([&] { LoadKey(dir / "alice.key"); }),
            fmt::format("key file {0} is accessible by group or others (mode 0644); it holds secrets: chmod 600 {0}",
                        (dir / "alice.key").string()));
  EXPECT_THAT(ErrorOf([&] { LoadKey(dir / "missing.key"); }), HasSubstr("No such file"));
}

TEST(Auth, HandshakeProvesBothSidesAndBindsTheNonces) {
  const Key k = GenerateKey("alice", Role::kClient);
  const std::string nt = Hex(RandomBytes(kNonceBytes));
  PeerHandshake peer(k);
  const nlohmann::json auth = peer.Answer({{"nonce", nt}});
  const AuthFrame a = ParseAuth(auth);
  EXPECT_EQ(a.key_id, "alice");
  EXPECT_EQ(a.role, Role::kClient);
  EXPECT_EQ(Hex(a.mac), AuthMac(k, nt, a.nonce));
  // The same key with another tracker nonce gives another MAC: a recorded auth frame fits one connection.
  EXPECT_NE(AuthMac(k, Hex(RandomBytes(kNonceBytes)), a.nonce), Hex(a.mac));
  // Auth and welcome MACs differ (a peer's own MAC cannot be reflected back as a welcome).
  EXPECT_NE(AuthMac(k, nt, a.nonce), WelcomeMac(k, nt, a.nonce));

  EXPECT_NO_THROW(peer.CheckWelcome({{"mac", WelcomeMac(k, nt, a.nonce)}}));
  const Key other = GenerateKey("alice", Role::kClient);
  EXPECT_THAT(ErrorOf([&] { peer.CheckWelcome({{"mac", WelcomeMac(other, nt, a.nonce)}}); }),
              HasSubstr("does not prove it holds key \"alice\""));
  EXPECT_THAT(ErrorOf([&] { peer.CheckWelcome({{"mac", Hex(a.mac)}}); }), HasSubstr("does not prove"));
  EXPECT_THAT(ErrorOf([&] { peer.CheckWelcome({{"mac", 5}}); }), HasSubstr("\"mac\" must be a string"));
}

TEST(Auth, MalformedAuthFramesAreNamed) {
  const std::string nonce(64, '1'), mac(64, '2');
  EXPECT_EQ(ErrorOf([&] { ParseAuth({{"role", "client"}, {"nonce", nonce}, {"mac", mac}}); }),
            "auth frame lacks \"key_id\"");
  EXPECT_EQ(ErrorOf([&] { ParseAuth({{"key_id", 7}, {"role", "client"}, {"nonce", nonce}, {"mac", mac}}); }),
            "auth frame: \"key_id\" must be a string, got a number");
  EXPECT_EQ(ErrorOf([&] { ParseAuth({{"key_id", "a"}, {"role", "client"}, {"nonce", "12"}, {"mac", mac}}); }),
            "auth frame: \"nonce\" must be 64 hex digits, got 2 characters");
  EXPECT_EQ(ErrorOf([&] { ParseAuth({{"key_id", std::string(65, 'a')}, {"role", "client"}, {"nonce", nonce}, {"mac", mac}}); }),
            "auth frame: key id of 65 characters: it must have 1 to 64");
  EXPECT_EQ(ErrorOf([] { ParseChallenge({{"nonce", "xyz"}}); }),
            "challenge frame: \"nonce\" must be 64 hex digits, got 3 characters");
}

TEST(Messages, RoutesCapabilitiesAndIdsAreChecked) {
  const std::vector<measure::Request> reqs = testing::Requests(1);
  const Route r = RouteOf(reqs[0]);
  EXPECT_EQ(r.backend, "fsim");
  EXPECT_EQ(r.config_hash.size(), 16u);
  EXPECT_TRUE(r.rtl_sources.empty());  // fsim simulates no RTL
  const Route back = RouteFromJson(ToJson(r));
  EXPECT_EQ(back.config_hash, r.config_hash);
  nlohmann::json bad = ToJson(r);
  bad["config_hash"] = "zz";
  EXPECT_EQ(ErrorOf([&] { RouteFromJson(bad); }), "measure frame: \"config_hash\" must be 16 hex digits");
  bad = ToJson(r);
  bad["timeout_seconds"] = -1;
  EXPECT_EQ(ErrorOf([&] { RouteFromJson(bad); }), "measure frame: \"timeout_seconds\" -1 is out of range (0, 604800]");

  Capabilities c = testing::FakeCaps(2);
  EXPECT_TRUE(CanServe(c, r));
  Route v = r;
  v.backend = "verilator";
  EXPECT_FALSE(CanServe(c, v));
  c.backends.push_back("verilator");
  v.rtl_sources = "abc";
  EXPECT_FALSE(CanServe(c, v)) << "a worker built from other RTL measures other hardware";
  c.rtl_sources = "abc";
  EXPECT_TRUE(CanServe(c, v));
  c.board = "pynq-z2";
  c.board_config_hash = "0000000000000000";
  EXPECT_FALSE(CanServe(c, r)) << "a board serves only its bitstream's configuration";
  c.board_config_hash = r.config_hash;
  EXPECT_TRUE(CanServe(c, r));
  Route on_board = r;
  on_board.board = "zcu104";
  EXPECT_FALSE(CanServe(c, on_board));

  nlohmann::json caps = ToJson(testing::FakeCaps(2));
  caps["slots"] = 0;
  EXPECT_EQ(ErrorOf([&] { CapabilitiesFromJson(caps); }), "register frame: \"slots\" must be an integer in [1, 256]");
  caps = ToJson(testing::FakeCaps(2));
  caps["name"] = std::string("evil\nline");
  EXPECT_EQ(ErrorOf([&] { CapabilitiesFromJson(caps); }), "register frame: \"name\" has a non-printable character (code 10)");
  caps = ToJson(testing::FakeCaps(2));
  caps["board"] = "pynq-z2";
  EXPECT_EQ(ErrorOf([&] { CapabilitiesFromJson(caps); }),
            "register frame: a board worker runs one measurement at a time, not 2");

  EXPECT_EQ(SplitJob("alice/1a-2"), std::make_pair(std::string("alice"), std::string("1a-2")));
  EXPECT_EQ(ErrorOf([] { SplitJob("alice"); }), "job id lacks the '/' between key id and request id");
  EXPECT_EQ(ErrorOf([] { ValidateId("a b", "id"); }), "id has the character code 32 at position 1 (ids use [A-Za-z0-9._:-])");
  EXPECT_EQ(ErrorOf([] { ParseIds({{"ids", {1}}}, "ids", "ack"); }), "ack frame: \"ids\" holds a number, not a string");

  EXPECT_EQ(ParseHostPort("127.0.0.1:80").port, 80);
  EXPECT_EQ(ParseHostPort("[::1]:9000").host, "::1");
  EXPECT_EQ(ErrorOf([] { ParseHostPort("localhost"); }), "address \"localhost\" is not HOST:PORT (IPv6: [ADDR]:PORT)");
  EXPECT_EQ(ErrorOf([] { ParseHostPort("h:99999"); }), "address \"h:99999\": port \"99999\" is not a number in [0, 65535]");
  EXPECT_EQ(Quote("a\nb\\"), "a\\x0ab\\x5c");
}

}  // namespace
}  // namespace dcoc::server
