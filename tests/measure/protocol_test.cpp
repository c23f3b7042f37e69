// The framed protocol: round trips, incremental decoding, and every kind of malformed frame.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "host/common/error.h"
#include "host/measure/protocol.h"

namespace dcoc::measure {
namespace {

std::string ErrorOf(std::vector<uint8_t> bytes, uint32_t max = kDefaultMaxFrameBytes) {
  FrameDecoder d(max);
  d.Feed(bytes);
  try {
    while (d.Next()) {
    }
    d.Finish();
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

void Put32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + size_t(i)] = uint8_t(v >> (8 * i));
}

TEST(Protocol, RoundTripWholeAndByteByByte) {
  const nlohmann::json a = {{"id", 7}, {"request", {{"backend", "fsim"}}}};
  const nlohmann::json b = {{"message", std::string(100000, 'x')}};
  std::vector<uint8_t> stream = EncodeFrame(MessageType::kMeasure, a);
  const std::vector<uint8_t> second = EncodeFrame(MessageType::kError, b);
  stream.insert(stream.end(), second.begin(), second.end());
  ASSERT_EQ(stream.size(), 2 * kFrameHeaderBytes + a.dump().size() + b.dump().size());
  EXPECT_EQ(std::string(stream.begin(), stream.begin() + 4), "DCMP");

  FrameDecoder whole;
  whole.Feed(stream);
  std::optional<Frame> f = whole.Next();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->type, MessageType::kMeasure);
  EXPECT_EQ(f->payload, a);
  f = whole.Next();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->type, MessageType::kError);
  EXPECT_EQ(f->payload, b);
  EXPECT_FALSE(whole.Next());
  EXPECT_NO_THROW(whole.Finish());

  FrameDecoder bytewise;
  int frames = 0;
  for (uint8_t byte : stream) {
    bytewise.Feed({&byte, 1});
    while (bytewise.Next()) ++frames;
  }
  EXPECT_EQ(frames, 2);
  EXPECT_EQ(bytewise.Pending(), 0u);
}

TEST(Protocol, MalformedFramesAreClearErrors) {
  const std::vector<uint8_t> good = EncodeFrame(MessageType::kResult, {{"id", 1}});
  std::vector<uint8_t> b = good;
  b[0] = 'X';

  EXPECT_NE(ErrorOf(b).find("malformed frame: magic 0x504d4358 is not 0x504d4344 (\"DCMP\")"), std::string::npos)
      << ErrorOf(b);
  b = good;
  b[4] = 2;
  EXPECT_EQ(ErrorOf(b), "malformed frame: protocol version 2 (this dcoc speaks version 1)");
  b = good;
  b[6] = 99;
  EXPECT_EQ(ErrorOf(b), "malformed frame: unknown message type 99 (known: 1 hello .. 13 ack)");
  b = good;
  b[kFrameHeaderBytes] ^= 0x20;  // payload damaged in transit
  EXPECT_NE(ErrorOf(b).find("result frame of 8 bytes: payload CRC-32"), std::string::npos) << ErrorOf(b);
  // Oversized: the header alone says so, before any payload arrives.
  b = std::vector<uint8_t>(good.begin(), good.begin() + kFrameHeaderBytes);
  Put32(b, 8, 1u << 30);
  EXPECT_EQ(ErrorOf(b), "malformed frame: payload of 1073741824 bytes exceeds the limit of 16777216 bytes");
  EXPECT_EQ(ErrorOf(EncodeFrame(MessageType::kResult, {{"x", std::string(200, 'y')}}), 100),
            "malformed frame: payload of 208 bytes exceeds the limit of 100 bytes");
  EXPECT_THROW((void)EncodeFrame(MessageType::kResult, {{"x", std::string(200, 'y')}}, 100), UsageError);
  // Not JSON, and JSON that is not an object (both with valid CRCs).
  auto raw = [](std::string body) {
    std::vector<uint8_t> f = EncodeFrame(MessageType::kHello, nlohmann::json::object());
    f.resize(kFrameHeaderBytes);
    Put32(f, 8, uint32_t(body.size()));
    Put32(f, 12, Crc32({reinterpret_cast<const uint8_t*>(body.data()), body.size()}));
    f.insert(f.end(), body.begin(), body.end());
    return f;
  };
  EXPECT_NE(ErrorOf(raw("{\"id\": ")).find("hello frame of 7 bytes: payload is not JSON"), std::string::npos);
  EXPECT_EQ(ErrorOf(raw("[1, 2]")), "malformed frame: hello frame: payload must be a JSON object, got a array");
  // Truncated streams.
  b = std::vector<uint8_t>(good.begin(), good.begin() + 5);
  EXPECT_EQ(ErrorOf(b), "truncated frame: the stream ended after 5 of the 16 header bytes");
  b = std::vector<uint8_t>(good.begin(), good.end() - 3);
  EXPECT_EQ(ErrorOf(b), "truncated frame: the stream ended after 5 of 8 payload bytes");
}

TEST(Protocol, DecoderRefusesToContinueAfterAnError) {
  std::vector<uint8_t> b = EncodeFrame(MessageType::kHello, {{"a", 1}});
  b[0] = 0;
  FrameDecoder d;
  d.Feed(b);
  EXPECT_THROW((void)d.Next(), FormatError);
  d.Feed(EncodeFrame(MessageType::kHello, {{"a", 1}}));
  try {
    (void)d.Next();
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_STREQ(e.what(), "frame stream is unusable after a malformed frame");
  }
}

TEST(Protocol, CrcIsTheStandardCrc32) {
  const std::string s = "123456789";
  EXPECT_EQ(Crc32({reinterpret_cast<const uint8_t*>(s.data()), s.size()}), 0xcbf43926u);
}

TEST(Protocol, FramesOverAPipe) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  WriteFrame(fds[1], MessageType::kShutdown, {{"why", "done"}});
  const std::vector<uint8_t> half = EncodeFrame(MessageType::kHello, {{"pid", 1}});
  ASSERT_EQ(::write(fds[1], half.data(), 10), 10);
  ::close(fds[1]);
  FrameDecoder d;
  std::optional<Frame> f = ReadFrame(fds[0], d);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->type, MessageType::kShutdown);
  EXPECT_THROW((void)ReadFrame(fds[0], d), FormatError);  // the stream ends inside the second frame
  ::close(fds[0]);
}

}  // namespace
}  // namespace dcoc::measure
