// The framed message protocol between a tuner's process and its measurement workers (docs/measure-protocol.md).
// The same frames will travel over TCP to the measurement farm, so a frame is self-describing and
// checked: magic, protocol version, message type, payload length (bounded), payload CRC-32, then a
// JSON payload. Every malformed frame is a FormatError that says what is wrong.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "host/common/error.h"

namespace dcoc::measure {

inline constexpr uint32_t kFrameMagic = 0x504d4344;  // "DCMP" in little-endian byte order
inline constexpr uint16_t kProtocolVersion = 1;
inline constexpr size_t kFrameHeaderBytes = 16;
inline constexpr uint32_t kDefaultMaxFrameBytes = 16u << 20;  // payload bound

enum class MessageType : uint16_t {
  kHello = 1,     // worker -> client, once at start: {"version", "pid", "host", "backends", "rtl_hash"}
  kMeasure = 2,   // client -> worker: {"id", "request": Request}
  kResult = 3,    // worker -> client: {"id", "measurement": Measurement}
  kError = 4,     // either way: {"id" (or null), "message"}: a message that could not be served
  kShutdown = 5,  // client -> worker: finish and exit
  // The measurement farm (host/server, docs/farm.md) over TCP: authentication, then capabilities,
  // heartbeats, status and flow control. Local workers refuse them.
  kChallenge = 6,   // tracker -> peer, first frame: {"nonce"}
  kAuth = 7,        // peer -> tracker: {"key_id", "role", "nonce", "mac"}
  kWelcome = 8,     // tracker -> peer: {"mac", ...}: the tracker proves it holds the key too
  kRegister = 9,    // worker -> tracker: capabilities
  kHeartbeat = 10,  // either way, periodically
  kStatus = 11,     // client -> tracker: {} ; tracker -> client: the farm's status
  kCancel = 12,     // client -> tracker: {"ids"}: drop queued requests
  kAck = 13,        // client -> tracker: {"ids"}: results received
};
inline constexpr uint16_t kLastMessageType = 13;
std::string_view Name(MessageType t);

// A frame whose declared payload length exceeds the receiver's bound (rejected before it is read).
class FrameTooLarge : public FormatError {
 public:
  using FormatError::FormatError;
};

struct Frame {
  MessageType type = MessageType::kHello;
  nlohmann::json payload;
};

// Header (little-endian): magic u32, version u16, type u16, payload length u32, payload CRC-32 u32.
// Throws UsageError when the payload exceeds max_bytes.
std::vector<uint8_t> EncodeFrame(MessageType type, const nlohmann::json& payload,
                                 uint32_t max_bytes = kDefaultMaxFrameBytes);

// Incremental decoder: feed bytes as they arrive, take whole frames out. A malformed frame (bad magic,
// other protocol version, unknown type, length above the bound, CRC mismatch, payload that is not a
// JSON object) throws FormatError; the decoder is then unusable (the stream has lost its framing).
class FrameDecoder {
 public:
  explicit FrameDecoder(uint32_t max_bytes = kDefaultMaxFrameBytes) : max_bytes_(max_bytes) {}
  void Feed(std::span<const uint8_t> bytes);
  std::optional<Frame> Next();
  // Bytes of a frame begun but not complete (non-zero at end of stream: a truncated frame).
  size_t Pending() const { return buf_.size() - pos_; }
  // Throws FormatError when the stream ended inside a frame.
  void Finish() const;

 private:
  uint32_t max_bytes_;
  std::vector<uint8_t> buf_;
  size_t pos_ = 0;
  bool broken_ = false;
};

uint32_t Crc32(std::span<const uint8_t> bytes);

// Blocking helpers on a file descriptor (pipes, sockets). WriteFrame throws Error when the peer is
// gone; ReadFrame returns nullopt at a clean end of stream and throws FormatError for a truncated one.
void WriteFrame(int fd, MessageType type, const nlohmann::json& payload);
std::optional<Frame> ReadFrame(int fd, FrameDecoder& dec);

}  // namespace dcoc::measure
