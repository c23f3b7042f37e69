#include "host/server/channel.h"

#include <fmt/format.h>
#include <openssl/ssl.h>

#include <filesystem>

#include "host/common/error.h"

namespace dcoc::server {

namespace {

constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kMaxQueuedBytes = 256u << 20;  // a peer that stops reading is dropped beyond this

void RequireFile(const std::string& path, const char* what) {
  if (!std::filesystem::is_regular_file(path))
    throw UsageError(fmt::format("TLS {} file {} does not exist or is not a file", what, path));
}

void Configure(asio::ssl::context& ctx) {
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_compression |
                  asio::ssl::context::single_dh_use);
}

void LoadIdentity(asio::ssl::context& ctx, const TlsOptions& o) {
  RequireFile(o.cert, "certificate");
  RequireFile(o.key, "private key");
  boost::system::error_code ec;
  ctx.use_certificate_chain_file(o.cert, ec);
  if (ec) throw UsageError(fmt::format("cannot load TLS certificate {}: {}", o.cert, ec.message()));
  ctx.use_private_key_file(o.key, asio::ssl::context::pem, ec);
  if (ec) throw UsageError(fmt::format("cannot load TLS private key {}: {}", o.key, ec.message()));
}

void LoadCa(asio::ssl::context& ctx, const std::string& ca) {
  RequireFile(ca, "CA certificate");
  boost::system::error_code ec;
  ctx.load_verify_file(ca, ec);
  if (ec) throw UsageError(fmt::format("cannot load TLS CA certificate {}: {}", ca, ec.message()));
}

std::string Describe(const boost::system::error_code& ec) {
  std::string s = ec.message();
  if (ec.category() == asio::error::get_ssl_category()) {
    // OpenSSL's reason string, e.g. "certificate verify failed".
    char buf[256];
    ERR_error_string_n(static_cast<unsigned long>(ec.value()), buf, sizeof(buf));
    s = buf;
  }
  return s;
}

}  // namespace

std::unique_ptr<asio::ssl::context> ServerTlsContext(const TlsOptions& o) {
  if (o.cert.empty() != o.key.empty()) throw UsageError("TLS needs both --tls-cert and --tls-key");
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  Configure(*ctx);
  LoadIdentity(*ctx, o);
  if (!o.ca.empty()) {
    LoadCa(*ctx, o.ca);
    ctx->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
  }
  return ctx;
}

std::unique_ptr<asio::ssl::context> ClientTlsContext(const TlsOptions& o) {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  Configure(*ctx);
  LoadCa(*ctx, o.ca);
  ctx->set_verify_mode(asio::ssl::verify_peer);
  if (!o.cert.empty() || !o.key.empty()) LoadIdentity(*ctx, o);
  return ctx;
}

Channel::Channel(tcp::socket socket, asio::ssl::context* tls, bool server, uint32_t max_frame_bytes,
                 const std::string& verify_host)
    : socket_(std::move(socket)), server_(server), linger_(socket_.get_executor()), decoder_(max_frame_bytes) {
  boost::system::error_code ec;
  const tcp::endpoint ep = socket_.remote_endpoint(ec);
  peer_ = ec ? "?" : fmt::format("{}:{}", ep.address().to_string(), ep.port());
  if (ep.address().is_v6() && !ec) peer_ = fmt::format("[{}]:{}", ep.address().to_string(), ep.port());
  if (tls) {
    tls_ = std::make_unique<asio::ssl::stream<tcp::socket>>(std::move(socket_), *tls);
    if (!server && !verify_host.empty()) {
      tls_->set_verify_callback(asio::ssl::host_name_verification(verify_host));
      boost::system::error_code bad;
      asio::ip::make_address(verify_host, bad);
      if (bad) SSL_set_tlsext_host_name(tls_->native_handle(), verify_host.c_str());  // SNI for host names only
    }
  }
}

Channel::~Channel() = default;

tcp::socket& Channel::Lowest() { return tls_ ? tls_->next_layer() : socket_; }

void Channel::Start(FrameHandler on_frame, CloseHandler on_close) {
  on_frame_ = std::move(on_frame);
  on_close_ = std::move(on_close);
  boost::system::error_code ignored;
  Lowest().set_option(tcp::no_delay(true), ignored);
  if (!tls_) {
    ready_ = true;
    Read();
    Write();
    return;
  }
  tls_->async_handshake(server_ ? asio::ssl::stream_base::server : asio::ssl::stream_base::client,
                        [self = shared_from_this()](const boost::system::error_code& ec) {
                          if (self->closing_) return;
                          if (ec) return self->Fail(CloseCause::kTls, "TLS handshake failed: " + Describe(ec));
                          self->ready_ = true;
                          self->Read();
                          self->Write();
                        });
}

void Channel::Read() {
  buf_.resize(kReadChunk);
  auto handler = [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
    if (self->closing_) return;
    if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
      std::string detail;
      try {
        self->decoder_.Finish();
      } catch (const FormatError& e) {
        detail = e.what();
      }
      return self->Fail(CloseCause::kEof, detail);
    }
    if (ec) return self->Fail(CloseCause::kNetwork, Describe(ec));
    self->decoder_.Feed({self->buf_.data(), n});
    try {
      while (!self->closing_) {
        std::optional<measure::Frame> f = self->decoder_.Next();
        if (!f) break;
        self->on_frame_(std::move(*f));
      }
    } catch (const measure::FrameTooLarge& e) {
      return self->Fail(CloseCause::kOversized, e.what());
    } catch (const FormatError& e) {
      return self->Fail(CloseCause::kMalformed, e.what());
    }
    if (!self->closing_) self->Read();
  };
  if (tls_)
    tls_->async_read_some(asio::buffer(buf_), std::move(handler));
  else
    socket_.async_read_some(asio::buffer(buf_), std::move(handler));
}

void Channel::Send(measure::MessageType type, const nlohmann::json& payload) {
  SendBytes(measure::EncodeFrame(type, payload));
}

void Channel::SendBytes(std::vector<uint8_t> bytes) {
  if (closing_) return;
  out_bytes_ += bytes.size();
  out_.push_back(std::move(bytes));
  if (out_bytes_ > kMaxQueuedBytes)
    return Fail(CloseCause::kNetwork, fmt::format("the peer does not read: {} bytes queued, the limit is {}", out_bytes_,
                                                  kMaxQueuedBytes));
  Write();
}

void Channel::Write() {
  if (!ready_ || writing_ || out_.empty() || shut_) return;
  writing_ = true;
  auto handler = [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
    self->writing_ = false;
    if (self->shut_) return;
    if (ec) {
      if (self->closing_) return self->Shut();
      return self->Fail(CloseCause::kNetwork, Describe(ec));
    }
    self->out_bytes_ -= self->out_.front().size();
    self->out_.pop_front();
    if (self->out_.empty() && self->closing_) return self->Shut();
    self->Write();
  };
  if (tls_)
    asio::async_write(*tls_, asio::buffer(out_.front()), std::move(handler));
  else
    asio::async_write(socket_, asio::buffer(out_.front()), std::move(handler));
}

void Channel::Close() {
  if (closing_) return;
  closing_ = true;
  // The handlers stay until the channel is destroyed: Close() may run inside the frame handler.
  if (!ready_ || out_.empty()) return Shut();
  // Let the queued frames (an error telling the peer why) go out, for at most a second.
  linger_.expires_after(std::chrono::seconds(1));
  linger_.async_wait([self = shared_from_this()](const boost::system::error_code&) { self->Shut(); });
  Write();
}

void Channel::Shut() {
  if (shut_) return;
  shut_ = true;
  closing_ = true;
  linger_.cancel();
  boost::system::error_code ignored;
  Lowest().shutdown(tcp::socket::shutdown_both, ignored);
  Lowest().close(ignored);
}

void Channel::Fail(CloseCause cause, const std::string& detail) {
  if (closing_) return;
  closing_ = true;
  Shut();
  // Reported from the event loop, never from inside a frame handler or a Send (the owner's state is
  // not re-entered).
  asio::post(linger_.get_executor(), [self = shared_from_this(), cause, detail] {
    CloseHandler h = std::move(self->on_close_);
    self->on_frame_ = nullptr;
    if (h) h(cause, detail);
  });
}

bool Channel::SetFrameLimit(uint32_t max_frame_bytes) {
  if (decoder_.Pending() > 0) return false;
  decoder_ = measure::FrameDecoder(max_frame_bytes);
  return true;
}

bool IsLoopback(const asio::ip::address& a) {
  if (a.is_v4()) return (a.to_v4().to_uint() >> 24) == 127;
  if (a.is_v6()) return a.to_v6().is_loopback() ||
           (a.to_v6().is_v4_mapped() && IsLoopback(asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6())));
  return false;
}

}  // namespace dcoc::server
