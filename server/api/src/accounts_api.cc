// Organizer accounts: signing in with a password, browser sessions in a
// cookie with CSRF protection, the organizers of a process and its log
// (roles and logging: organizer_roles.cc). The organizer token keeps working
// for scripts (and to make the first account).

#include "psephos/server/api.h"
#include "psephos/server/secrets.h"
#include "responses.h"
#include "routes.h"
#include "psephos/server/wall_clock.h"

namespace psephos::server {
namespace {

using nlohmann::json;

// __Host-: the browser keeps it only when Secure, for this host and Path=/.
constexpr std::string_view kCookie = "__Host-psephos-session";
constexpr std::int64_t kStoreSeenEveryMs = 60000;  // the idle clock is written at most once a minute
constexpr std::size_t kLogPage = 100;

bool Unsafe(http::verb verb) {
  return verb != http::verb::get && verb != http::verb::head && verb != http::verb::options;
}

// The value of cookie `name` in the request's Cookie headers; empty when absent.
std::string CookieValue(const Request& request, std::string_view name) {
  const auto range = request.equal_range(http::field::cookie);
  for (auto it = range.first; it != range.second; ++it) {
    std::string_view rest = it->value();
    while (!rest.empty()) {
      const std::size_t end = rest.find(';');
      std::string_view pair = rest.substr(0, end);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      if (pair.size() > name.size() && pair.substr(0, name.size()) == name && pair[name.size()] == '=') {
        return std::string(pair.substr(name.size() + 1));
      }
      if (end == std::string_view::npos) break;
      rest.remove_prefix(end + 1);
    }
  }
  return {};
}

// Whether the browser says the request comes from our own pages: Origin
// (https and this Host) and Sec-Fetch-Site, each when sent.
bool SameOrigin(const Request& request) {
  const std::string_view origin = request[http::field::origin];
  const std::string_view site = request["Sec-Fetch-Site"];
  return (origin.empty() || origin == "https://" + std::string(request[http::field::host])) &&
         (site.empty() || site == "same-origin");
}

std::string SessionCookie(const std::string& id, std::int64_t max_age_seconds) {
  return std::string(kCookie) + "=" + id + "; Secure; HttpOnly; SameSite=Strict; Path=/; Max-Age=" +
         std::to_string(max_age_seconds);
}

// {"error": {"code", "message", "field"}}: a refused field of a form.
Response FieldError(http::status status, const std::string& code, const std::string& field, const std::string& message) {
  return JsonResponse(status, {{"error", {{"code", code}, {"message", field + ": " + message}, {"field", field}}}});
}

json AccountJson(std::int64_t id, const std::string& name, const std::string& email, bool admin) {
  return {{"id", id}, {"name", name}, {"email", email}, {"admin", admin}};
}

struct NewAccount {
  std::string name, email, password;
};

// Name, email and a password that passes CheckNewPassword; else the refusal.
std::optional<Response> ReadNewAccount(const json& body, NewAccount* out) {
  out->name = StringField(body, "name");
  while (!out->name.empty() && out->name.back() == ' ') out->name.pop_back();
  while (!out->name.empty() && out->name.front() == ' ') out->name.erase(0, 1);
  if (out->name.empty() || out->name.size() > 100) {
    return FieldError(http::status::unprocessable_entity, "invalid_name", "name", "the person's name, at most 100 bytes");
  }
  out->email = NormalizeEmail(StringField(body, "email"));
  if (out->email.empty()) {
    return FieldError(http::status::unprocessable_entity, "invalid_email", "email", "not an email address");
  }
  out->password = StringField(body, "password");
  if (Status s = CheckNewPassword(out->password, out->email, out->name); !s.ok()) {
    return JsonResponse(http::status::unprocessable_entity,
                        {{"error", {{"code", "weak_password"}, {"message", s.message()}, {"field", "password"}}}});
  }
  return std::nullopt;
}

// 429 while the address or the account must wait after wrong passwords.
std::optional<Response> PasswordWait(WrongCodeLimiter& limiter, const std::string& by_address,
                                     const std::string& by_account) {
  for (const std::string* key : {&by_address, &by_account}) {
    if (auto wait = limiter.Wait(*key)) {
      const auto seconds = std::max<std::int64_t>(1, wait->count());
      Response r = ErrorResponse(http::status::too_many_requests, "too_many_attempts",
                                 "too many wrong passwords; try again in " + std::to_string(seconds) + " seconds");
      r.set(http::field::retry_after, std::to_string(seconds));
      return r;
    }
  }
  return std::nullopt;
}

// Sign-ins and new accounts wait for the password thread; a flood of them is refused.
Response PasswordsBusy() {
  Response r = ErrorResponse(http::status::service_unavailable, "busy", "too many sign-ins at once; try again");
  r.set(http::field::retry_after, "1");
  return r;
}

Response AccountNotStored(const Status& status) {
  if (status.message().starts_with("email_taken")) {
    return FieldError(http::status::conflict, "email_taken", "email", "an account has this email");
  }
  return ErrorResponse(http::status::internal_server_error, "not_stored", status.message());
}

}  // namespace

std::int64_t Api::SessionNow() const { return options_.session_clock ? options_.session_clock() : NowMs(); }

Status Api::LoadAccounts(Storage& storage) {  // organizers' roles: with each process (LoadLive)
  auto accounts = storage.LoadAccounts();
  if (!accounts.ok()) return accounts.status();
  for (auto& a : *accounts) accounts_[a.id] = Account{a.email, a.name, a.password_hash, a.admin};
  auto sessions = storage.LoadSessions();
  if (!sessions.ok()) return sessions.status();
  const std::int64_t now = SessionNow();
  for (const auto& s : *sessions) {
    if (now - s.seen_at_ms > options_.session_idle.count() || now - s.created_at_ms > options_.session_lifetime.count()) {
      if (Status d = storage.DeleteSession(s.id_hash); !d.ok()) return d;
      continue;
    }
    sessions_[s.id_hash] = Session{s.account, s.csrf, s.created_at_ms, s.seen_at_ms, s.seen_at_ms};
  }
  return Status::Ok();
}

Api::Organizer Api::Authenticate(const Request& request) {
  Organizer who;
  if (IsAdmin(request)) {
    who.token = who.admin = true;
    who.who = "organizer token";
    return who;
  }
  const std::string cookie = CookieValue(request, kCookie);
  if (cookie.empty()) return who;
  const std::string hash = Sha256Hex(cookie);
  const std::int64_t now = SessionNow();
  std::unique_lock lock(mutex_);
  auto it = sessions_.find(hash);
  if (it == sessions_.end()) {  // signed out, expired, or never one of ours
    who.refused = "session_expired";
    return who;
  }
  Session& s = it->second;
  auto account = accounts_.find(s.account);
  if (account == accounts_.end() || now - s.seen_at_ms > options_.session_idle.count() ||
      now - s.created_at_ms > options_.session_lifetime.count()) {
    sessions_.erase(it);
    lock.unlock();
    worker_.Post([hash](Storage& storage) { (void)storage.DeleteSession(hash); });
    who.refused = "session_expired";
    return who;
  }
  if (Unsafe(request.method())) {
    // A cookie goes with any request the browser makes; a change counts only
    // with the session's CSRF token, which only our own pages can read, and
    // from our own origin where the browser says so.
    if (!ConstantTimeEquals(request["X-CSRF-Token"], s.csrf) || !SameOrigin(request)) {
      who.refused = "csrf_failed";
      return who;
    }
  }
  s.seen_at_ms = now;
  if (now - s.stored_seen_at_ms >= kStoreSeenEveryMs) {
    s.stored_seen_at_ms = now;
    SessionRecord record{hash, s.account, s.csrf, s.created_at_ms, now};
    worker_.Post([record](Storage& storage) { (void)storage.PutSession(record); });
  }
  who.account = s.account;
  who.admin = account->second.admin;
  who.who = account->second.name + " <" + account->second.email + ">";
  return who;
}

void Api::SignInRoute(Call& c) {  // signing in needs no CSRF token (no session yet), only our own origin
  if (!SameOrigin(c.request)) {
    return c.reply(ErrorResponse(http::status::forbidden, "csrf_failed", "sign in from this site's own page"));
  }
  if (auto body = c.Body()) SignIn(c.request, *body, c.client, std::move(c.reply));
}

void Api::SessionInfo(Call& c) {
  if (c.who.account == 0) {  // not signed in: the page shows the token or the sign-in
    Response r = OrganizerRefusal(c.who);
    json answer = json::parse(r.body());
    {
      std::lock_guard lock(mutex_);
      answer["accounts_exist"] = !accounts_.empty();
    }
    r.body() = answer.dump();
    r.prepare_payload();
    return c.reply(std::move(r));
  }
  std::unique_lock lock(mutex_);
  const Account& a = accounts_[c.who.account];
  auto session = sessions_.find(Sha256Hex(CookieValue(c.request, kCookie)));
  if (session == sessions_.end()) {
    lock.unlock();
    return c.reply(OrganizerRefusal(Organizer{0, false, false, "", "session_expired"}));
  }
  const Session& s = session->second;
  Response r = JsonResponse(http::status::ok,
                            {{"account", AccountJson(c.who.account, a.name, a.email, a.admin)},
                             {"csrf", s.csrf},
                             {"expires_at_ms", s.created_at_ms + options_.session_lifetime.count()}});
  lock.unlock();
  r.set(http::field::cache_control, "no-store");
  c.reply(std::move(r));
}

void Api::SignOut(const Request& request, Reply reply) {
  const std::string hash = Sha256Hex(CookieValue(request, kCookie));
  {
    std::lock_guard lock(mutex_);
    sessions_.erase(hash);
  }
  worker_.Post([hash, reply = std::move(reply)](Storage& storage) {
    if (Status s = storage.DeleteSession(hash); !s.ok()) {
      return reply(ErrorResponse(http::status::internal_server_error, "not_stored", s.message()));
    }
    Response r = JsonResponse(http::status::ok, {{"signed_out", true}});
    r.set(http::field::set_cookie, SessionCookie("", 0));
    reply(std::move(r));
  });
}

void Api::ListAccounts(Reply reply) {
  json list = json::array();
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, a] : accounts_) list.push_back(AccountJson(id, a.name, a.email, a.admin));
  }
  reply(JsonResponse(http::status::ok, {{"accounts", list}}));
}

void Api::SignIn(const Request& request, const json& body, const std::string& client, Reply reply) {
  const std::string email = NormalizeEmail(StringField(body, "email"));
  const std::string password = StringField(body, "password");
  // Limited per address and per account: a guesser spread over many
  // addresses still meets the account's limit.
  const std::string by_address = AttemptKey("address:" + LimiterKey(client));
  const std::string by_account = AttemptKey("account:" + email);
  if (auto wait = PasswordWait(wrong_passwords_, by_address, by_account)) return reply(std::move(*wait));
  std::int64_t account = 0;
  std::string hash;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, a] : accounts_) {
      if (!email.empty() && ConstantTimeEquals(a.email, email)) account = id, hash = a.password_hash;
    }
  }
  // Signing in always makes a new session id: one planted before (fixation) is dropped.
  const std::string cookie = CookieValue(request, kCookie);
  const std::string planted = cookie.empty() ? std::string() : Sha256Hex(cookie);
  auto shared_reply = std::make_shared<Reply>(std::move(reply));
  const bool queued = passwords_.Post([this, account, hash, password, by_address, by_account, planted, shared_reply] {
    // An unknown email costs a hash too, so that timing does not tell which emails have accounts.
    if (dummy_hash_.empty()) dummy_hash_ = HashPassword(RandomHex(16), options_.password_cost).value_or("");
    const bool right = VerifyPassword(account != 0 ? hash : dummy_hash_, password.substr(0, kMaxPasswordBytes)) &&
                       account != 0 && password.size() <= kMaxPasswordBytes;
    if (!right) {
      WrongAttempt(AttemptKind::kPassword, by_address);
      WrongAttempt(AttemptKind::kPassword, by_account);
      return (*shared_reply)(
          ErrorResponse(http::status::unauthorized, "wrong_password", "the email or the password is wrong"));
    }
    StartSession(account, planted, std::move(*shared_reply));
  });
  if (!queued) (*shared_reply)(PasswordsBusy());
}

void Api::StartSession(std::int64_t account, const std::string& planted, Reply reply) {
  worker_.Post([this, account, planted, reply = std::move(reply)](Storage& storage) {
    const std::int64_t now = SessionNow();
    const std::string id = RandomHex(32);
    const SessionRecord record{Sha256Hex(id), account, RandomHex(32), now, now};
    if (Status s = storage.PutSession(record); !s.ok()) {
      return reply(ErrorResponse(http::status::internal_server_error, "not_stored", s.message()));
    }
    if (!planted.empty()) (void)storage.DeleteSession(planted);
    json me;
    {
      std::lock_guard lock(mutex_);
      sessions_.erase(planted);
      // Sessions nobody came back to are forgotten here, at a sign-in.
      std::erase_if(sessions_, [&](const auto& entry) {
        return now - entry.second.seen_at_ms > options_.session_idle.count() ||
               now - entry.second.created_at_ms > options_.session_lifetime.count();
      });
      sessions_[record.id_hash] = Session{account, record.csrf, now, now, now};
      const Account& a = accounts_[account];
      me = AccountJson(account, a.name, a.email, a.admin);
    }
    Response r = JsonResponse(http::status::ok, {{"account", me},
                                                 {"csrf", record.csrf},
                                                 {"expires_at_ms", now + options_.session_lifetime.count()}});
    r.set(http::field::set_cookie,
          SessionCookie(id, std::chrono::duration_cast<std::chrono::seconds>(options_.session_lifetime).count()));
    r.set(http::field::cache_control, "no-store");
    reply(std::move(r));
  });
}

void Api::ChangePassword(const Organizer& who, const Request& request, const json& body, const std::string& client,
                         Reply reply) {
  std::string email, name, hash;
  {
    std::lock_guard lock(mutex_);
    const Account& a = accounts_[who.account];
    email = a.email, name = a.name, hash = a.password_hash;
  }
  const std::string current = StringField(body, "current_password");
  const std::string password = StringField(body, "password");
  if (Status s = CheckNewPassword(password, email, name); !s.ok()) {
    return reply(JsonResponse(http::status::unprocessable_entity,
                              {{"error", {{"code", "weak_password"}, {"message", s.message()}, {"field", "password"}}}}));
  }
  // The current password is guessed no faster here than at sign-in.
  const std::string by_address = AttemptKey("address:" + LimiterKey(client));
  const std::string by_account = AttemptKey("account:" + email);
  if (auto wait = PasswordWait(wrong_passwords_, by_address, by_account)) return reply(std::move(*wait));
  const std::string kept = Sha256Hex(CookieValue(request, kCookie));
  const std::int64_t account = who.account;
  auto shared_reply = std::make_shared<Reply>(std::move(reply));
  const bool queued = passwords_.Post([this, account, hash, current, password, kept, by_address, by_account,
                                       shared_reply] {
    if (current.size() > kMaxPasswordBytes || !VerifyPassword(hash, current)) {
      WrongAttempt(AttemptKind::kPassword, by_address);
      WrongAttempt(AttemptKind::kPassword, by_account);
      return (*shared_reply)(FieldError(http::status::unauthorized, "wrong_password", "current_password",
                                        "not your current password"));
    }
    auto made = HashPassword(password, options_.password_cost);
    if (!made.ok()) {
      return (*shared_reply)(ErrorResponse(http::status::internal_server_error, "not_stored", made.status().message()));
    }
    worker_.Post([this, account, kept, made = *made, reply = std::move(*shared_reply)](Storage& storage) {
      if (Status s = storage.SetPasswordHash(account, made, kept); !s.ok()) {
        return reply(ErrorResponse(http::status::internal_server_error, "not_stored", s.message()));
      }
      {
        std::lock_guard lock(mutex_);
        accounts_[account].password_hash = made;
        // Whoever else was signed in as this organizer (with the old password) is signed out.
        std::erase_if(sessions_, [&](const auto& entry) { return entry.second.account == account && entry.first != kept; });
      }
      reply(JsonResponse(http::status::ok, {{"changed", true}}));
    });
  });
  if (!queued) (*shared_reply)(PasswordsBusy());
}

void Api::AddAccount(const Organizer& who, const json& body, Reply reply) {
  bool first = false;
  {
    std::lock_guard lock(mutex_);
    first = accounts_.empty();
  }
  // The first account is made with the token printed at first start; later
  // ones by the first account (or the token). Owners add theirs per process.
  if (first ? !who.token : !who.admin) return reply(OrganizerRefusal(who));
  NewAccount a;
  if (auto refused = ReadNewAccount(body, &a)) return reply(std::move(*refused));
  HashThen(a.password, std::move(reply), [this, a](const std::string& hash, Reply done) {
    worker_.Post([this, a, hash, reply = std::move(done)](Storage& storage) {
      bool admin = false;
      {
        std::lock_guard lock(mutex_);
        admin = accounts_.empty();  // decided here, in the order accounts are stored
      }
      auto id = storage.AddAccount(AccountRecord{0, a.email, a.name, hash, admin, NowMs()});
      if (!id.ok()) return reply(AccountNotStored(id.status()));
      {
        std::lock_guard lock(mutex_);
        accounts_[*id] = Account{a.email, a.name, hash, admin};
      }
      reply(JsonResponse(http::status::created, AccountJson(*id, a.name, a.email, admin)));
    });
  });
}

void Api::ReadLog(const std::string& process, const Request& request, Reply reply) {
  const std::string target(request.target());
  const std::size_t q = target.find("?before=");
  const std::int64_t before = q == std::string::npos ? 0 : ParseId(target.substr(q + 8)).value_or(0);
  worker_.Post([process, before, reply = std::move(reply)](Storage& storage) {
    auto actions = storage.LoadActions(process, before, kLogPage);
    if (!actions.ok()) return reply(ErrorResponse(http::status::internal_server_error, "storage", actions.status().message()));
    json entries = json::array();
    for (const auto& a : *actions) {
      entries.push_back({{"id", a.id}, {"at_ms", a.at_ms}, {"account", a.account}, {"who", a.who},
                         {"action", a.action}, {"detail", a.detail}});
    }
    reply(JsonResponse(http::status::ok, {{"entries", entries}, {"more", actions->size() == kLogPage}}));
  });
}

void Api::ListOrganizers(const std::shared_ptr<LiveProcess>& p, Reply reply) {
  std::lock_guard lock(mutex_);
  json list = json::array();
  for (const auto& [id, a] : accounts_) {
    auto role = p->organizers.find(id);
    if (!a.admin && role == p->organizers.end()) continue;
    json entry = AccountJson(id, a.name, a.email, a.admin);
    entry["role"] = OrganizerRoleName(a.admin ? OrganizerRole::kOwner : role->second);
    list.push_back(std::move(entry));
  }
  return reply(JsonResponse(http::status::ok, {{"organizers", list}}));
}

// {email, role} for an account; with name and password, a new one.
void Api::AddOrganizer(const std::shared_ptr<LiveProcess>& p, const json& body, Reply reply) {
  const auto role = ParseOrganizerRole(StringField(body, "role"));
  if (!role) return reply(FieldError(http::status::unprocessable_entity, "invalid_role", "role", "owner, editor or observer"));
  const std::string email = NormalizeEmail(StringField(body, "email"));
  if (email.empty()) return reply(FieldError(http::status::unprocessable_entity, "invalid_email", "email", "not an email address"));
  std::int64_t account = 0;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, a] : accounts_) {
      if (a.email != email) continue;
      if (a.admin) {
        return reply(FieldError(http::status::unprocessable_entity, "admin_account", "email",
                                "the first account is owner of every process already"));
      }
      account = id;
    }
  }
  NewAccount a;
  if (account == 0) {
    if (!body.contains("password")) {
      return reply(FieldError(http::status::unprocessable_entity, "no_account", "email",
                              "no account has this email; give a name and a first password to make one"));
    }
    if (auto refused = ReadNewAccount(body, &a)) return reply(std::move(*refused));
  }
  // A new account's password is hashed first, on the password thread.
  auto grant = [this, p, account, a, role = *role](const std::string& hash, Reply done) {
    worker_.Post([this, p, account, a, role, hash, reply = std::move(done)](Storage& storage) {
      std::int64_t id = account;
      if (id == 0) {
        auto added = storage.AddAccount(AccountRecord{0, a.email, a.name, hash, false, NowMs()});
        if (!added.ok()) return reply(AccountNotStored(added.status()));
        id = *added;
      }
      if (Status s = storage.SetOrganizerRole(p->id, id, OrganizerRoleName(role)); !s.ok()) {
        return reply(ErrorResponse(http::status::internal_server_error, "not_stored", s.message()));
      }
      std::unique_lock lock(mutex_);
      if (!hash.empty()) accounts_[id] = Account{a.email, a.name, hash, false};
      p->organizers[id] = role;
      const Account& stored = accounts_[id];
      json entry = AccountJson(id, stored.name, stored.email, false);
      entry["role"] = OrganizerRoleName(role);
      lock.unlock();
      reply(JsonResponse(hash.empty() ? http::status::ok : http::status::created, entry));
    });
  };
  if (account != 0) return grant("", std::move(reply));
  return HashThen(a.password, std::move(reply), std::move(grant));
}

void Api::RemoveOrganizer(const std::shared_ptr<LiveProcess>& p, const std::string& id, Reply reply) {
  const auto account = ParseId(id);
  {
    std::lock_guard lock(mutex_);
    if (!account || !p->organizers.count(*account)) {
      return reply(ErrorResponse(http::status::not_found, "not_found", "no such organizer in this process"));
    }
  }
  worker_.Post([this, p, account = *account, reply = std::move(reply)](Storage& storage) {
    if (Status s = storage.SetOrganizerRole(p->id, account, ""); !s.ok()) {
      return reply(ErrorResponse(http::status::internal_server_error, "not_stored", s.message()));
    }
    std::unique_lock lock(mutex_);
    p->organizers.erase(account);
    lock.unlock();
    reply(JsonResponse(http::status::ok, {{"id", account}, {"removed", true}}));
  });
}

void Api::HashThen(const std::string& password, Reply reply, std::function<void(const std::string&, Reply)> then) {
  auto shared_reply = std::make_shared<Reply>(std::move(reply));
  const bool queued = passwords_.Post([this, password, shared_reply, then = std::move(then)] {
    auto hash = HashPassword(password, options_.password_cost);
    if (!hash.ok()) {
      return (*shared_reply)(ErrorResponse(http::status::internal_server_error, "not_stored", hash.status().message()));
    }
    then(*hash, std::move(*shared_reply));
  });
  if (!queued) (*shared_reply)(PasswordsBusy());
}

}  // namespace psephos::server
