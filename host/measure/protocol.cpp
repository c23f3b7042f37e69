#include "host/measure/protocol.h"

#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "host/common/error.h"

namespace dcoc::measure {

namespace {

void Put16(std::vector<uint8_t>& out, uint16_t v) {
  for (int i = 0; i < 2; ++i) out.push_back(uint8_t(v >> (8 * i)));
}
void Put32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(uint8_t(v >> (8 * i)));
}
uint32_t Get32(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24; }
uint16_t Get16(const uint8_t* p) { return uint16_t(p[0] | p[1] << 8); }

bool KnownType(uint16_t t) { return t >= uint16_t(MessageType::kHello) && t <= kLastMessageType; }

}  // namespace

std::string_view Name(MessageType t) {
  switch (t) {
    case MessageType::kHello:
      return "hello";
    case MessageType::kMeasure:
      return "measure";
    case MessageType::kResult:
      return "result";
    case MessageType::kError:
      return "error";
    case MessageType::kShutdown:
      return "shutdown";
    case MessageType::kChallenge:
      return "challenge";
    case MessageType::kAuth:
      return "auth";
    case MessageType::kWelcome:
      return "welcome";
    case MessageType::kRegister:
      return "register";
    case MessageType::kHeartbeat:
      return "heartbeat";
    case MessageType::kStatus:
      return "status";
    case MessageType::kCancel:
      return "cancel";
    case MessageType::kAck:
      return "ack";
  }
  return "?";
}

uint32_t Crc32(std::span<const uint8_t> bytes) {
  static const std::array<uint32_t, 256> kTable = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xffffffffu;
  for (uint8_t b : bytes) c = kTable[(c ^ b) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

std::vector<uint8_t> EncodeFrame(MessageType type, const nlohmann::json& payload, uint32_t max_bytes) {
  const std::string body = payload.dump();
  if (body.size() > max_bytes)
    throw UsageError(fmt::format("{} message of {} bytes exceeds the frame limit of {} bytes", Name(type), body.size(),
                                 max_bytes));
  std::vector<uint8_t> out;
  out.reserve(kFrameHeaderBytes + body.size());
  Put32(out, kFrameMagic);
  Put16(out, kProtocolVersion);
  Put16(out, uint16_t(type));
  Put32(out, uint32_t(body.size()));
  const auto* p = reinterpret_cast<const uint8_t*>(body.data());
  Put32(out, Crc32({p, body.size()}));
  out.insert(out.end(), p, p + body.size());
  return out;
}

void FrameDecoder::Feed(std::span<const uint8_t> bytes) {
  if (pos_ > 0 && pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  }
  buf_.insert(buf_.end(), bytes.begin(), bytes.end());
}

std::optional<Frame> FrameDecoder::Next() {
  if (broken_) throw FormatError("frame stream is unusable after a malformed frame");
  if (buf_.size() - pos_ < kFrameHeaderBytes) return std::nullopt;
  const uint8_t* h = buf_.data() + pos_;
  auto fail = [&](std::string msg) {
    broken_ = true;
    throw FormatError("malformed frame: " + msg);
  };
  const uint32_t magic = Get32(h);
  if (magic != kFrameMagic)
    fail(fmt::format("magic {:#010x} is not {:#010x} (\"DCMP\"): not a dcoc measurement stream, or out of step", magic,
                     kFrameMagic));
  const uint16_t version = Get16(h + 4);
  if (version != kProtocolVersion)
    fail(fmt::format("protocol version {} (this dcoc speaks version {})", version, kProtocolVersion));
  const uint16_t type = Get16(h + 6);
  if (!KnownType(type))
    fail(fmt::format("unknown message type {} (known: 1 hello .. {} {})", type, kLastMessageType,
                     Name(MessageType(kLastMessageType))));
  const uint32_t length = Get32(h + 8);
  if (length > max_bytes_) {
    broken_ = true;
    throw FrameTooLarge(fmt::format("malformed frame: payload of {} bytes exceeds the limit of {} bytes", length, max_bytes_));
  }
  if (buf_.size() - pos_ < kFrameHeaderBytes + length) return std::nullopt;
  const uint8_t* body = h + kFrameHeaderBytes;
  const uint32_t crc = Crc32({body, length});
  if (crc != Get32(h + 12))
    fail(fmt::format("{} frame of {} bytes: payload CRC-32 {:#010x} does not match the header's {:#010x}",
                     Name(MessageType(type)), length, crc, Get32(h + 12)));
  Frame f;
  f.type = MessageType(type);
  try {
    f.payload = nlohmann::json::parse(body, body + length);
  } catch (const nlohmann::json::exception& e) {
    fail(fmt::format("{} frame of {} bytes: payload is not JSON: {}", Name(f.type), length, e.what()));
  }
  if (!f.payload.is_object())
    fail(fmt::format("{} frame: payload must be a JSON object, got a {}", Name(f.type), f.payload.type_name()));
  pos_ += kFrameHeaderBytes + length;
  return f;
}

void FrameDecoder::Finish() const {
  const size_t n = Pending();
  if (n == 0) return;
  if (n < kFrameHeaderBytes)
    throw FormatError(fmt::format("truncated frame: the stream ended after {} of the {} header bytes", n,
                                  kFrameHeaderBytes));
  throw FormatError(fmt::format("truncated frame: the stream ended after {} of {} payload bytes",
                                n - kFrameHeaderBytes, Get32(buf_.data() + pos_ + 8)));
}

void WriteFrame(int fd, MessageType type, const nlohmann::json& payload) {
  const std::vector<uint8_t> bytes = EncodeFrame(type, payload);
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      pollfd p{fd, POLLOUT, 0};
      (void)::poll(&p, 1, 1000);
      continue;
    }
    if (n <= 0) throw Error(fmt::format("writing a {} frame failed: {}", Name(type), n < 0 ? std::strerror(errno) : "peer closed"));
    done += size_t(n);
  }
}

std::optional<Frame> ReadFrame(int fd, FrameDecoder& dec) {
  for (;;) {
    if (std::optional<Frame> f = dec.Next()) return f;
    uint8_t buf[65536];
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(fmt::format("reading a frame failed: {}", std::strerror(errno)));
    if (n == 0) {
      dec.Finish();
      return std::nullopt;
    }
    dec.Feed({buf, size_t(n)});
  }
}

}  // namespace dcoc::measure
