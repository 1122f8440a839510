// The HTTP types the server speaks, and the one interface requests reach.
#pragma once

#include <functional>
#include <string>

#include <boost/beast/http.hpp>

namespace psephos::server {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// Sends the response for one request. May be called from any thread, exactly
// once; the connection's strand does the writing.
using Reply = std::function<void(Response)>;

// Application logic behind the HTTPS layer. Handle() must not block: work that
// waits on disk goes to another thread, which calls `reply` when done.
class Handler {
 public:
  virtual ~Handler() = default;
  virtual void Handle(Request request, const std::string& client_address, Reply reply) = 0;
};

}  // namespace psephos::server
