// Organizers signed in from browsers (cookie, CSRF token) and a committee of
// three accounts on the school process: shared by the tests of accounts and
// of what editors and observers may do.
#pragma once

#include <atomic>
#include <cctype>

#include "api_fixture.h"

namespace psephos::test {

inline const std::string kPassword = "correct horse battery";
inline const std::string kHost = "vote.example.org";

// A clock the test moves by hand.
inline std::atomic<std::int64_t> test_now{1'000'000'000'000};

inline ApiOptions Options() {
  ApiOptions options;
  options.password_cost = {1, 256, 1};  // hashing cheaply: the tests sign in often
  options.wrong_passwords = {3, std::chrono::seconds(60), std::chrono::seconds(900)};
  options.session_idle = std::chrono::minutes(30);
  options.session_lifetime = std::chrono::hours(8);
  options.session_clock = [] { return test_now.load(); };
  return options;
}

// A browser: its cookie jar of one session cookie, and the CSRF token the page keeps.
struct Browser {
  std::string cookie;  // "__Host-psephos-session=…"
  std::string csrf;
  std::string origin = "https://" + kHost;
  std::string site = "same-origin";
  std::string set_cookie;  // the last Set-Cookie header
};

inline Answer Do(Fixture& f, Browser& b, http::verb verb, const std::string& target, const std::string& body = "",
          const std::string& client = "10.0.0.1") {
  Request request{verb, target, 11};
  request.set(http::field::host, kHost);
  if (!b.cookie.empty()) request.set(http::field::cookie, "theme=dark; " + b.cookie);
  if (!b.csrf.empty()) request.set("X-CSRF-Token", b.csrf);
  if (!b.origin.empty() && verb != http::verb::get) request.set(http::field::origin, b.origin);
  if (!b.site.empty()) request.set("Sec-Fetch-Site", b.site);
  if (!body.empty()) request.set(http::field::content_type, "application/json");
  request.body() = body;
  request.prepare_payload();
  auto promise = std::make_shared<std::promise<Response>>();
  auto future = promise->get_future();
  f.api().Handle(std::move(request), client, [promise](Response r) { promise->set_value(std::move(r)); });
  Response r = future.get();
  b.set_cookie = std::string(r[http::field::set_cookie]);
  return Answer{static_cast<int>(r.result_int()), json::parse(r.body(), nullptr, false), r.body()};
}

// Signs in; the browser keeps the cookie and the CSRF token.
inline Answer SignIn(Fixture& f, Browser& b, const std::string& email, const std::string& password,
              const std::string& client = "10.0.0.1") {
  Answer a = Do(f, b, http::verb::post, "/api/v1/session", json{{"email", email}, {"password", password}}.dump(), client);
  if (a.status == 200) {
    b.cookie = b.set_cookie.substr(0, b.set_cookie.find(';'));
    b.csrf = a.body["csrf"];
  }
  return a;
}

inline Answer MakeFirstAccount(Fixture& f) {
  return f.Call(http::verb::post, "/api/v1/accounts",
                json{{"name", "Ana Ruiz"}, {"email", "Ana@Example.org "}, {"password", kPassword}}.dump());
}

// The school process, Ana (the first account) signed in, and Ben and Cai
// added to it as `ben_role` and `cai_role`, each signed in in their own browser.
struct Committee {
  Fixture f{Options()};
  Browser ana, ben, cai;
  Committee(const std::string& ben_role = "editor", const std::string& cai_role = "observer") {
    REQUIRE(MakeFirstAccount(f).status == 201);
    REQUIRE(SignIn(f, ana, "ana@example.org", kPassword).status == 200);
    REQUIRE(Do(f, ana, http::verb::post, "/api/v1/processes", kSchool).status == 201);
    Add("ben@example.org", "Ben Ode", ben_role);
    Add("cai@example.org", "Cai Lee", cai_role);
    REQUIRE(SignIn(f, ben, "ben@example.org", kPassword + " ben").status == 200);
    REQUIRE(SignIn(f, cai, "cai@example.org", kPassword + " cai").status == 200);
  }
  void Add(const std::string& email, const std::string& name, const std::string& role) {
    const std::string first = name.substr(0, name.find(' '));
    std::string password = kPassword + " ";
    for (char c : first) password += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    Answer a = Do(f, ana, http::verb::post, "/api/v1/processes/school/organizers",
                  json{{"email", email}, {"name", name}, {"password", password}, {"role", role}}.dump());
    REQUIRE_MESSAGE(a.status == 201, a.text);
  }
};

}  // namespace psephos::test
