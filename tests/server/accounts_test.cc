// Organizer accounts, attacked first: CSRF, stolen or planted cookies, expired
// sessions, guessed passwords, roles overstepped, hashes leaked; then the
// first account, roles per process and the action log.
#include <doctest/doctest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <atomic>

#include "../support/committee.h"

namespace psephos::test {
namespace {

const std::string kCodes = "/api/v1/processes/school/codes";
const std::string kBatch = json{{"count", 2}, {"group", "student"}}.dump();

TEST_CASE("attack: a change from a signed-in browser without its CSRF token, or from another site, is refused") {
  Committee c;
  Browser forged = c.ana;  // the cookie rides along; the page's token does not
  forged.csrf.clear();
  Answer a = Do(c.f, forged, http::verb::post, kCodes, kBatch);
  CHECK(a.status == 403);
  CHECK(a.body["error"]["code"] == "csrf_failed");
  forged.csrf = c.ana.csrf;
  forged.csrf[0] = forged.csrf[0] == '0' ? '1' : '0';
  CHECK(Do(c.f, forged, http::verb::post, kCodes, kBatch).status == 403);  // a wrong token
  Browser elsewhere = c.ana;  // the right token, sent from another origin
  elsewhere.origin = "https://evil.example";
  CHECK(Do(c.f, elsewhere, http::verb::post, kCodes, kBatch).status == 403);
  Browser cross = c.ana;
  cross.origin.clear();
  cross.site = "cross-site";
  CHECK(Do(c.f, cross, http::verb::delete_, "/api/v1/session").status == 403);  // not even signing out
  // Nothing was made; the real page (token, own origin) makes codes, and reads need no token.
  CHECK(Do(c.f, c.ana, http::verb::get, "/api/v1/processes/school/turnout").body["codes"] == 0);
  CHECK(Do(c.f, c.ana, http::verb::post, kCodes, kBatch).status == 201);
  Browser reader = c.ana;
  reader.csrf.clear();
  CHECK(Do(c.f, reader, http::verb::get, "/api/v1/processes/school/turnout").body["codes"] == 2);
  // A script with the organizer token needs no CSRF token (no cookie rides along with it).
  CHECK(c.f.Call(http::verb::post, kCodes, kBatch).status == 201);
}

TEST_CASE("attack: a cookie made up, or another session's with this one's CSRF token, does not sign in") {
  Committee c;
  Browser made_up;
  made_up.cookie = "__Host-psephos-session=" + std::string(64, 'a');
  Answer a = Do(c.f, made_up, http::verb::get, "/api/v1/processes/school");
  CHECK(a.status == 401);
  CHECK(a.body["error"]["code"] == "session_expired");
  Browser mixed = c.cai;  // Cai's cookie, Ana's token (read from Ana's page by some script)
  mixed.csrf = c.ana.csrf;
  CHECK(Do(c.f, mixed, http::verb::post, kCodes, kBatch).status == 403);
  mixed = c.ana;  // Ana's cookie with Cai's token
  mixed.csrf = c.cai.csrf;
  CHECK(Do(c.f, mixed, http::verb::post, kCodes, kBatch).status == 403);
  // The cookie's name matters: the same id under another name is no session.
  Browser renamed = c.ana;
  renamed.cookie = "psephos-session=" + c.ana.cookie.substr(c.ana.cookie.find('=') + 1);
  CHECK(Do(c.f, renamed, http::verb::get, "/api/v1/processes/school").status == 401);
}

TEST_CASE("attack: a session ends after its idle time, at its lifetime, and when signed out") {
  Committee c;
  const std::string school = "/api/v1/processes/school";
  test_now += std::chrono::milliseconds(std::chrono::minutes(29)).count();
  CHECK(Do(c.f, c.ana, http::verb::get, school).status == 200);  // used: the idle clock starts again
  test_now += std::chrono::milliseconds(std::chrono::minutes(29)).count();
  CHECK(Do(c.f, c.ana, http::verb::get, school).status == 200);
  CHECK(Do(c.f, c.cai, http::verb::get, school).status == 401);  // Cai left it 58 minutes
  CHECK(Do(c.f, c.cai, http::verb::get, school).body["error"]["code"] == "session_expired");
  for (int i = 0; i < 15; ++i) {  // used every 29 minutes, still not past 8 hours from signing in
    test_now += std::chrono::milliseconds(std::chrono::minutes(29)).count();
    if (i < 14) CHECK(Do(c.f, c.ana, http::verb::get, school).status == 200);
  }
  CHECK(Do(c.f, c.ana, http::verb::get, school).status == 401);  // 8 hours 13 minutes
  // Signing out ends Ben's at once, and tells the browser to drop the cookie.
  Answer out = Do(c.f, c.ben, http::verb::delete_, "/api/v1/session");
  CHECK(out.status == 401);  // Ben's idle time ran out too
  REQUIRE(SignIn(c.f, c.ben, "ben@example.org", kPassword + " ben").status == 200);
  out = Do(c.f, c.ben, http::verb::delete_, "/api/v1/session");
  CHECK(out.status == 200);
  CHECK(c.ben.set_cookie.find("Max-Age=0") != std::string::npos);
  CHECK(Do(c.f, c.ben, http::verb::get, school).status == 401);
  // Nor does a restart bring an ended session back.
  c.f.RestartApi();
  CHECK(Do(c.f, c.ben, http::verb::get, school).status == 401);
}

TEST_CASE("attack: session fixation: signing in always makes a new session id and drops the one presented") {
  Committee c;
  Browser planted = c.cai;  // an attacker's own valid session, planted in Ana's browser
  const std::string before = planted.cookie;
  REQUIRE(SignIn(c.f, planted, "ana@example.org", kPassword).status == 200);
  CHECK(planted.cookie != before);
  CHECK(planted.csrf != c.cai.csrf);
  Browser attacker = c.cai;  // the old id no longer works for anybody
  CHECK(Do(c.f, attacker, http::verb::get, "/api/v1/processes/school").status == 401);
  CHECK(Do(c.f, planted, http::verb::get, "/api/v1/session").body["account"]["email"] == "ana@example.org");
  // The cookie is Secure, HttpOnly, SameSite=Strict, for the whole site and this host only.
  REQUIRE(SignIn(c.f, planted, "ana@example.org", kPassword).status == 200);
  for (const char* attribute : {"__Host-psephos-session=", "; Secure", "; HttpOnly", "; SameSite=Strict", "; Path=/"}) {
    CHECK_MESSAGE(planted.set_cookie.find(attribute) != std::string::npos, attribute);
  }
  CHECK(planted.set_cookie.find("Domain") == std::string::npos);
  // Nor can another site sign this browser in to an account of its choosing.
  Browser elsewhere;
  elsewhere.origin = "https://evil.example";
  elsewhere.site = "cross-site";
  Answer a = SignIn(c.f, elsewhere, "cai@example.org", kPassword + " cai");
  CHECK(a.status == 403);
  CHECK(elsewhere.set_cookie.empty());
}

TEST_CASE("attack: wrong passwords are limited per address and per account, then even the right one waits") {
  Committee c;
  Browser guesser;
  for (int i = 0; i < 3; ++i) {
    Answer a = SignIn(c.f, guesser, "ana@example.org", "guess number " + std::to_string(i), "10.9.9.9");
    CHECK(a.status == 401);
    CHECK(a.body["error"]["code"] == "wrong_password");
  }
  Answer limited = SignIn(c.f, guesser, "ana@example.org", kPassword, "10.9.9.9");
  CHECK(limited.status == 429);
  CHECK(limited.body["error"]["code"] == "too_many_attempts");
  // From another address the account is still limited: guesses spread over many addresses meet it.
  CHECK(SignIn(c.f, guesser, "ana@example.org", kPassword, "10.7.7.7").status == 429);
  // Other accounts from other addresses are not.
  CHECK(SignIn(c.f, guesser, "ben@example.org", kPassword + " ben", "10.7.7.7").status == 200);
  // An unknown email is told apart from a wrong password by nothing.
  Browser other;
  Answer unknown = SignIn(c.f, other, "nobody@example.org", kPassword, "10.5.5.5");
  Answer wrong = SignIn(c.f, other, "cai@example.org", kPassword, "10.5.5.6");
  CHECK(unknown.status == wrong.status);
  CHECK(unknown.text == wrong.text);
}

TEST_CASE("attack: an observer reads but cannot change, an editor edits but cannot name organizers or open") {
  Committee c("editor", "observer");
  const std::string school = "/api/v1/processes/school";
  // Cai, observer: definition, turnout, devices; not codes, edits, state or organizers.
  Answer seen = Do(c.f, c.cai, http::verb::get, school);
  CHECK(seen.status == 200);
  CHECK(seen.body["role"] == "observer");
  CHECK(Do(c.f, c.cai, http::verb::get, school + "/turnout").status == 200);
  CHECK(Do(c.f, c.cai, http::verb::get, school + "/devices").status == 200);
  json d = json::parse(kSchool);
  d["title"] = "Taken over";
  Answer put = Do(c.f, c.cai, http::verb::put, school, d.dump());
  CHECK(put.status == 403);
  CHECK(put.body["error"]["code"] == "forbidden");
  CHECK(Do(c.f, c.cai, http::verb::post, kCodes, kBatch).status == 403);
  CHECK(Do(c.f, c.cai, http::verb::post, school + "/open").status == 403);
  CHECK(Do(c.f, c.cai, http::verb::post, school + "/devices", json{{"role", "clerk"}, {"name", "Desk"}}.dump()).status == 403);
  CHECK(Do(c.f, c.cai, http::verb::get, school + "/organizers").status == 403);
  CHECK(Do(c.f, c.cai, http::verb::get, school + "/log").status == 403);
  // Ben, editor: edits and makes codes and devices...
  CHECK(Do(c.f, c.ben, http::verb::put, school, d.dump()).status == 200);
  Answer batch = Do(c.f, c.ben, http::verb::post, kCodes, kBatch);
  REQUIRE(batch.status == 201);
  CHECK(Do(c.f, c.ben, http::verb::get, batch.body["download"]).status == 200);
  CHECK(Do(c.f, c.cai, http::verb::get, batch.body["download"]).status == 403);  // plain codes: not an observer's
  CHECK(Do(c.f, c.ben, http::verb::post, school + "/devices", json{{"role", "clerk"}, {"name", "Desk"}}.dump()).status == 201);
  // ...but gives no roles (not even to himself), opens nothing, reads no log.
  Answer grant = Do(c.f, c.ben, http::verb::post, school + "/organizers",
                    json{{"email", "ben@example.org"}, {"role", "owner"}}.dump());
  CHECK(grant.status == 403);
  CHECK(Do(c.f, c.ben, http::verb::post, school + "/organizers", json{{"email", "cai@example.org"}, {"role", "editor"}}.dump())
            .status == 403);
  CHECK(Do(c.f, c.ben, http::verb::delete_, school + "/organizers/3").status == 403);
  CHECK(Do(c.f, c.ben, http::verb::post, school + "/open").status == 403);
  CHECK(Do(c.f, c.ben, http::verb::get, school + "/log").status == 403);
  CHECK(Do(c.f, c.ben, http::verb::get, school).body["role"] == "editor");
  // Neither makes processes, nor accounts; a process they have no role in is not theirs.
  CHECK(Do(c.f, c.ben, http::verb::post, "/api/v1/processes", json::parse(kSchool).dump()).status == 403);
  CHECK(Do(c.f, c.ben, http::verb::post, "/api/v1/accounts",
           json{{"name", "Eve"}, {"email", "eve@example.org"}, {"password", kPassword + " eve"}}.dump())
            .status == 403);
  json other = json::parse(kSchool);
  other["slug"] = "other";
  REQUIRE(Do(c.f, c.ana, http::verb::post, "/api/v1/processes", other.dump()).status == 201);
  CHECK(Do(c.f, c.ben, http::verb::get, "/api/v1/processes/other").status == 403);
  Answer list = Do(c.f, c.ben, http::verb::get, "/api/v1/processes");
  REQUIRE(list.body["processes"].size() == 1);
  CHECK(list.body["processes"][0]["slug"] == "school");
  CHECK(Do(c.f, c.ana, http::verb::get, "/api/v1/processes").body["processes"].size() == 2);
  // A draft's ballot is an organizer's to preview, never the public's.
  Browser nobody;
  CHECK(Do(c.f, c.cai, http::verb::get, school + "/ballot").status == 200);
  CHECK(Do(c.f, nobody, http::verb::get, school + "/ballot").status == 404);
  // The owner names organizers, changes roles and takes them away.
  CHECK(Do(c.f, c.ana, http::verb::post, school + "/organizers", json{{"email", "cai@example.org"}, {"role", "editor"}}.dump())
            .status == 200);
  CHECK(Do(c.f, c.cai, http::verb::post, kCodes, kBatch).status == 201);
  CHECK(Do(c.f, c.ana, http::verb::delete_, school + "/organizers/3").status == 200);
  CHECK(Do(c.f, c.cai, http::verb::get, school).status == 403);
}

TEST_CASE("attack: the committee's ideas routes: an observer reads, an editor reviews, only an owner opens ideas") {
  Committee c;  // Ben an editor, Cai an observer
  const std::string ideas = "/api/v1/processes/school/ideas";
  const json open{{"accepting", true}};
  CHECK(Do(c.f, c.ben, http::verb::put, ideas + "/settings", open.dump()).body["error"]["code"] == "forbidden");
  REQUIRE(Do(c.f, c.ana, http::verb::put, ideas + "/settings", open.dump()).status == 200);
  Answer batch = Do(c.f, c.ana, http::verb::post, kCodes, kBatch);
  const std::string code = Do(c.f, c.ana, http::verb::get, batch.body["download"]).text.substr(25, 19);
  Answer idea = c.f.Call(http::verb::post, ideas, json{{"code", code}, {"title", "Benches"}, {"description", "Shade"}}.dump(), false);
  REQUIRE_MESSAGE(idea.status == 201, idea.text);
  const std::string decision = ideas + "/" + std::to_string(idea.body["id"].get<std::int64_t>()) + "/decision";
  const json feasible{{"feasible", true}, {"cost", 20}};
  // The observer sees what the committee sees, and changes nothing.
  Answer seen = Do(c.f, c.cai, http::verb::get, ideas);
  CHECK(seen.body["by_group"]["student"]["ideas"] == 1);
  CHECK(seen.body["ideas"][0]["group"] == "student");
  CHECK(Do(c.f, c.cai, http::verb::post, decision, feasible.dump()).body["error"]["code"] == "forbidden");
  CHECK(Do(c.f, c.cai, http::verb::get, "/api/v1/processes/school/report").status == 200);
  // The editor decides, without the CSRF token not.
  Browser forged = c.ben;
  forged.csrf.clear();
  CHECK(Do(c.f, forged, http::verb::post, decision, feasible.dump()).body["error"]["code"] == "csrf_failed");
  CHECK(Do(c.f, c.ben, http::verb::post, decision, feasible.dump()).body["status"] == "feasible");
  // Logged with who decided.
  Answer log = Do(c.f, c.ana, http::verb::get, "/api/v1/processes/school/log");
  CHECK(log.body["entries"][0]["who"].get<std::string>().find("Ben Ode") != std::string::npos);
  CHECK(log.body["entries"][0]["action"].get<std::string>().ends_with("/decision"));
}

TEST_CASE("attack: no response ever carries a password or its hash") {
  Committee c;
  const std::string school = "/api/v1/processes/school";
  std::vector<Answer> answers = {
      Do(c.f, c.ana, http::verb::get, "/api/v1/session"),
      Do(c.f, c.ana, http::verb::get, "/api/v1/accounts"),
      Do(c.f, c.ana, http::verb::get, school + "/organizers"),
      Do(c.f, c.ana, http::verb::get, school + "/log"),
      Do(c.f, c.ana, http::verb::post, school + "/organizers",
         json{{"email", "dee@example.org"}, {"name", "Dee"}, {"password", kPassword + " dee"}, {"role", "observer"}}.dump()),
      SignIn(c.f, c.ben, "ben@example.org", kPassword + " ben"),
      c.f.Call(http::verb::post, "/api/v1/accounts",
               json{{"name", "Eli"}, {"email", "eli@example.org"}, {"password", kPassword + " eli"}}.dump()),
      c.f.Call(http::verb::get, "/api/v1/accounts"),
  };
  for (const Answer& a : answers) {
    CHECK_MESSAGE(a.status < 300, a.text);
    CHECK_MESSAGE(a.text.find("argon2") == std::string::npos, a.text);
    CHECK_MESSAGE(a.text.find("password") == std::string::npos, a.text);
    CHECK_MESSAGE(a.text.find(kPassword) == std::string::npos, a.text);
  }
  CHECK(answers[1].body["accounts"].size() == 3);
  CHECK(answers[7].body["accounts"].size() == 5);
  // On disk, only the Argon2id hash, with its parameters.
  auto accounts = c.f.storage().LoadAccounts();
  REQUIRE(accounts.ok());
  for (const auto& a : *accounts) {
    CHECK(a.password_hash.starts_with("$argon2id$v=19$m=256,t=1,p=1$"));
    CHECK(a.password_hash.find(kPassword) == std::string::npos);
  }
  CHECK(VerifyPassword((*accounts)[0].password_hash, kPassword));
  CHECK_FALSE(VerifyPassword((*accounts)[0].password_hash, kPassword + " "));
  CHECK_FALSE(VerifyPassword("$argon2i$v=19$m=256,t=1,p=1$c2FsdHNhbHQ$aGFzaA", kPassword));  // only Argon2id
}

TEST_CASE("attack: a password change needs the current password, is limited, and signs out the other browsers") {
  Committee c;
  Browser other;  // Ben on a second device
  REQUIRE(SignIn(c.f, other, "ben@example.org", kPassword + " ben").status == 200);
  const std::string change = "/api/v1/session/password";
  const std::string fresh = "a brand new passphrase";
  json body{{"current_password", "not it at all"}, {"password", fresh}};
  Answer wrong = Do(c.f, c.ben, http::verb::post, change, body.dump());
  CHECK(wrong.status == 401);
  CHECK(wrong.body["error"]["field"] == "current_password");
  body["current_password"] = kPassword + " ben";
  body["password"] = "password1234";
  CHECK(Do(c.f, c.ben, http::verb::post, change, body.dump()).body["error"]["field"] == "password");
  body["password"] = fresh;
  Browser forged = c.ben;
  forged.csrf.clear();
  CHECK(Do(c.f, forged, http::verb::post, change, body.dump()).status == 403);
  CHECK(c.f.Call(http::verb::post, change, body.dump()).status == 403);  // the token has no password to change
  REQUIRE(Do(c.f, c.ben, http::verb::post, change, body.dump()).status == 200);
  CHECK(Do(c.f, c.ben, http::verb::get, "/api/v1/processes/school").status == 200);  // this browser stays
  CHECK(Do(c.f, other, http::verb::get, "/api/v1/processes/school").status == 401);  // the other is signed out
  Browser b;
  CHECK(SignIn(c.f, b, "ben@example.org", kPassword + " ben").status == 401);
  c.f.RestartApi();  // the new hash is on disk, and the other session is gone there too
  CHECK(Do(c.f, other, http::verb::get, "/api/v1/processes/school").status == 401);
  REQUIRE(SignIn(c.f, b, "ben@example.org", fresh).status == 200);
  // Guessing the current password meets the sign-in's limit (3 here).
  body["current_password"] = "a guess at it";
  for (int i = 0; i < 3; ++i) CHECK(Do(c.f, b, http::verb::post, change, body.dump(), "10.3.3.3").status == 401);
  CHECK(Do(c.f, b, http::verb::post, change, body.dump(), "10.3.3.3").status == 429);
  // The change is in the log of actions of no process, the first account's to read; never the passwords.
  CHECK(Do(c.f, b, http::verb::get, "/api/v1/accounts/log").status == 403);
  Answer log = c.f.Call(http::verb::get, "/api/v1/accounts/log");
  REQUIRE(log.status == 200);
  REQUIRE(log.body["entries"].size() == 2);
  CHECK(log.body["entries"][0]["who"] == "Ben Ode <ben@example.org>");
  CHECK(log.body["entries"][0]["action"] == "POST /session/password");
  CHECK(log.body["entries"][0]["detail"] == "");
  CHECK(log.body["entries"][1]["action"] == "POST /accounts");  // Ana's, made with the token
  CHECK(log.body["entries"][1]["who"] == "organizer token");
  CHECK(log.text.find("passphrase") == std::string::npos);
}

TEST_CASE("attack: a flood of sign-ins queues on the password thread only, and only so far") {
  PasswordWorker worker(2);
  std::promise<void> started, release;
  std::shared_future<void> gate = release.get_future().share();
  REQUIRE(worker.Post([&] {
    started.set_value();
    gate.wait();  // a hash under way
  }));
  started.get_future().wait();
  std::atomic<int> ran{0};
  CHECK(worker.Post([&] { ++ran; }));
  CHECK(worker.Post([&] { ++ran; }));
  CHECK_FALSE(worker.Post([&] { ++ran; }));  // two wait already: refused (the API answers 503 busy)
  release.set_value();
  std::promise<void> last;
  while (!worker.Post([&] { last.set_value(); })) std::this_thread::yield();
  last.get_future().wait();
  CHECK(ran == 2);
  worker.Stop();
  CHECK_FALSE(worker.Post([] {}));
}

TEST_CASE("the first account is made with the organizer token, once, weak passwords are refused at their field") {
  Fixture f{Options()};
  const json ana{{"name", "Ana Ruiz"}, {"email", "ana@example.org"}, {"password", kPassword}};
  Answer anonymous = f.Call(http::verb::post, "/api/v1/accounts", ana.dump(), false);
  CHECK(anonymous.status == 401);
  for (const auto& [password, words] : std::vector<std::pair<std::string, std::string>>{
           {"short pass", "at least 12 characters"},
           {"Password1234", "most common"},
           {"aaaaaaaaaaaaaaaa", "most common"},
           {"ana@example.org", "email or name"},
           {std::string(600, 'x') + "y", "at most 512 bytes"}}) {
    json weak = ana;
    weak["password"] = password;
    Answer a = f.Call(http::verb::post, "/api/v1/accounts", weak.dump());
    CHECK(a.status == 422);
    CHECK(a.body["error"]["field"] == "password");
    CHECK_MESSAGE(a.body["error"]["message"].get<std::string>().find(words) != std::string::npos, password);
  }
  json no_email = ana;
  no_email["email"] = "ana at example";
  CHECK(f.Call(http::verb::post, "/api/v1/accounts", no_email.dump()).body["error"]["field"] == "email");
  CHECK(f.Call(http::verb::get, "/api/v1/accounts").body["accounts"].empty());
  Answer first = f.Call(http::verb::post, "/api/v1/accounts", ana.dump());
  REQUIRE(first.status == 201);
  CHECK(first.body["admin"] == true);
  // Later accounts are the first account's to make (or the token's), never admins; emails are unique.
  Browser b;
  REQUIRE(SignIn(f, b, "ANA@example.org", kPassword).status == 200);
  json ben{{"name", "Ben Ode"}, {"email", "ben@example.org"}, {"password", kPassword + " ben"}};
  Answer second = Do(f, b, http::verb::post, "/api/v1/accounts", ben.dump());
  REQUIRE(second.status == 201);
  CHECK(second.body["admin"] == false);
  Answer again = f.Call(http::verb::post, "/api/v1/accounts", ben.dump());
  CHECK(again.status == 409);
  CHECK(again.body["error"]["code"] == "email_taken");
  // The token still works for scripts after accounts exist.
  CHECK(f.Call(http::verb::post, "/api/v1/processes", kSchool).status == 201);
}

TEST_CASE("every organizer action is logged with its account, the log is the owner's to read") {
  Committee c;
  const std::string school = "/api/v1/processes/school";
  REQUIRE(Do(c.f, c.ben, http::verb::post, kCodes, kBatch).status == 201);
  REQUIRE(Do(c.f, c.ben, http::verb::post, kCodes, "{\"count\": 0}").status == 422);  // refused: not an action
  REQUIRE(c.f.Call(http::verb::post, school + "/open").status == 200);
  REQUIRE(Do(c.f, c.cai, http::verb::get, school + "/turnout").status == 200);  // reading is not logged
  Answer log = Do(c.f, c.ana, http::verb::get, school + "/log");
  REQUIRE(log.status == 200);
  const json& e = log.body["entries"];  // latest first
  REQUIRE(e.size() == 5);
  CHECK(e[0]["who"] == "organizer token");
  CHECK(e[0]["action"] == "POST /processes/school/open");
  CHECK(e[1]["who"] == "Ben Ode <ben@example.org>");
  CHECK(e[1]["action"] == "POST /processes/school/codes");
  CHECK(e[1]["detail"] == "count=2, group=student");
  CHECK(e[2]["action"] == "POST /processes/school/organizers");
  CHECK(e[2]["detail"] == "email=cai@example.org, name=Cai Lee, role=observer");  // no password
  CHECK(e[4]["who"] == "Ana Ruiz <ana@example.org>");
  CHECK(e[4]["action"] == "POST /processes");
  CHECK(e[4]["detail"] == "title: Roosevelt High PB");
  CHECK(e[0]["at_ms"].get<std::int64_t>() >= e[4]["at_ms"].get<std::int64_t>());
  // Paging back from an entry.
  Answer older = Do(c.f, c.ana, http::verb::get, school + "/log?before=" + std::to_string(e[1]["id"].get<std::int64_t>()));
  REQUIRE(older.body["entries"].size() == 3);
  CHECK(older.body["entries"][0]["id"] == e[2]["id"]);
  CHECK(older.body["more"] == false);
}

TEST_CASE("accounts, roles and sessions outlive a restart") {
  Committee c;
  c.f.RestartApi();
  CHECK(Do(c.f, c.ben, http::verb::post, kCodes, kBatch).status == 201);
  CHECK(Do(c.f, c.cai, http::verb::post, kCodes, kBatch).status == 403);
  CHECK(Do(c.f, c.ana, http::verb::get, "/api/v1/processes/school/organizers").body["organizers"].size() == 3);
}

TEST_CASE("storage: a schema 3 database moves to schema 4 with its processes, and takes accounts") {
  TempDir dir;
  const std::string path = dir.file("old.db");
  {
    auto storage = std::move(OpenSqliteStorage(path)).value();
    REQUIRE(storage->CreateProcess("school", "{}").ok());
  }
  {  // Back to schema 3 as released: no accounts, roles, sessions or log.
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    for (const char* drop : {"DROP TABLE accounts", "DROP TABLE organizer_roles", "DROP TABLE sessions",
                             "DROP TABLE action_log", "PRAGMA user_version=3"}) {
      db.exec(drop);
    }
  }
  auto storage = OpenSqliteStorage(path);
  REQUIRE_MESSAGE(storage.ok(), storage.status().message());
  auto processes = (*storage)->LoadProcesses();
  REQUIRE(processes.ok());
  REQUIRE(processes->size() == 1);
  CHECK((*processes)[0].slug == "school");
  auto id = (*storage)->AddAccount(AccountRecord{0, "ana@example.org", "Ana", "$argon2id$x", true, 1});
  REQUIRE(id.ok());
  REQUIRE((*storage)->SetOrganizerRole(1, *id, "owner").ok());
  CHECK((*(*storage)->LoadOrganizerRoles()).size() == 1);
  CHECK_FALSE((*storage)->AddAccount(AccountRecord{0, "ana@example.org", "Ana", "$argon2id$x", false, 1}).ok());
  storage->reset();
  CHECK(SQLite::Database(path).execAndGet("PRAGMA user_version").getInt() >= 5);  // and on, through later steps
}

}  // namespace
}  // namespace psephos::test
