// One framed connection on Boost.Asio, plain TCP or TLS: reads bytes into the protocol's FrameDecoder
// and hands whole frames over, queues outgoing frames, and reports why it ended (the peer closed, a
// network error, a malformed or oversized frame, a failed TLS handshake). Used by the tracker and by
// its peers; all calls on the io_context's thread.
#pragma once

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without including it
// clang-format off
#include <boost/asio.hpp>
// clang-format on
#include <boost/asio/ssl.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "host/measure/protocol.h"
#include "host/server/tls.h"
#include "host/server/messages.h"

namespace dcoc::server {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// TLS contexts (UsageError naming the file that cannot be loaded). TLS 1.2 or later only.
std::unique_ptr<asio::ssl::context> ServerTlsContext(const TlsOptions& o);
std::unique_ptr<asio::ssl::context> ClientTlsContext(const TlsOptions& o);

class Channel : public std::enable_shared_from_this<Channel> {
 public:
  using FrameHandler = std::function<void(measure::Frame&&)>;
  using CloseHandler = std::function<void(CloseCause, const std::string& detail)>;

  // `tls` null: plain TCP. `server`: the side of the TLS handshake. `verify_host`: a client checks the
  // tracker's certificate against it. `max_frame_bytes`: the decoder's payload bound.
  Channel(tcp::socket socket, asio::ssl::context* tls, bool server, uint32_t max_frame_bytes,
          const std::string& verify_host = "");
  ~Channel();

  // Starts the TLS handshake (if any) and reading. `on_close` is called once when the connection ends
  // for any reason but Close().
  void Start(FrameHandler on_frame, CloseHandler on_close);
  void Send(measure::MessageType type, const nlohmann::json& payload);
  void SendBytes(std::vector<uint8_t> bytes);  // raw bytes (tests)
  // Sends what is queued (for at most a second), then closes. No close handler call.
  void Close();
  // A new payload bound; false when bytes of a further frame are already buffered.
  bool SetFrameLimit(uint32_t max_frame_bytes);
  bool closed() const { return closing_; }
  const std::string& peer() const { return peer_; }

 private:
  tcp::socket& Lowest();
  void Read();
  void Write();
  void Fail(CloseCause cause, const std::string& detail);
  void Shut();

  tcp::socket socket_;
  std::unique_ptr<asio::ssl::stream<tcp::socket>> tls_;
  bool server_;
  asio::steady_timer linger_;
  measure::FrameDecoder decoder_;
  std::vector<uint8_t> buf_;
  std::deque<std::vector<uint8_t>> out_;
  size_t out_bytes_ = 0;
  bool ready_ = false, writing_ = false, closing_ = false, shut_ = false;
  std::string peer_;
  FrameHandler on_frame_;
  CloseHandler on_close_;
};

// Whether an address is loopback (127.0.0.0/8 or ::1): tests contact nothing else.
bool IsLoopback(const asio::ip::address& a);

}  // namespace dcoc::server
