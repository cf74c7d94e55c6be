//===- HttpClient.cpp - Outbound HTTP to overlordd nodes --------*- C++ -*-===//
//
// libcurl easy interface. The handle is kept between requests so libcurl
// reuses the connection; options that differ per request (method, body,
// headers) are reset each time. curl_global_init runs once per process.
//
//===----------------------------------------------------------------------===//
#include "overlord/Client/HttpClient.h"

#include "llvm/Support/FormatVariadic.h"

#include <curl/curl.h>

#include <mutex>

using namespace overlord;
using namespace overlord::client;

namespace {

size_t appendBody(char *Data, size_t Size, size_t N, void *User) {
  static_cast<std::string *>(User)->append(Data, Size * N);
  return Size * N;
}

void globalInit() {
  static std::once_flag Once;
  std::call_once(Once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

/// The first line of Text, at most 200 bytes: error messages stay one line.
std::string firstLine(llvm::StringRef Text) {
  Text = Text.trim();
  Text = Text.take_until([](char C) { return C == '\n' || C == '\r'; });
  std::string S = Text.take_front(200).str();
  if (Text.size() > 200)
    S += "...";
  return S;
}

} // namespace

HttpClient::HttpClient(HttpOptions O) : Opts(std::move(O)) {
  while (!Opts.BaseUrl.empty() && Opts.BaseUrl.back() == '/')
    Opts.BaseUrl.pop_back();
}

HttpClient::~HttpClient() {
  if (Curl)
    curl_easy_cleanup(static_cast<CURL *>(Curl));
}

std::string HttpClient::url(llvm::StringRef Path) const {
  return Opts.BaseUrl + Path.str();
}

llvm::Expected<HttpResponse>
HttpClient::send(llvm::StringRef Method, llvm::StringRef Path,
                 const std::optional<llvm::json::Value> &Body) {
  globalInit();
  std::string Url = url(Path);
  auto Fail = [&](llvm::StringRef Why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s %s: %s",
                                   Method.str().c_str(), Url.c_str(),
                                   Why.str().c_str());
  };
  if (!Curl && !(Curl = curl_easy_init()))
    return Fail("cannot initialise libcurl");
  CURL *C = static_cast<CURL *>(Curl);
  curl_easy_reset(C); // keeps the connection cache

  std::string Payload, Received;
  char ErrBuf[CURL_ERROR_SIZE] = {0};
  struct curl_slist *Headers = nullptr;
  Headers = curl_slist_append(Headers, "Accept: application/json");
  if (!Opts.Token.empty())
    Headers = curl_slist_append(
        Headers, ("Authentication: Bearer " + Opts.Token).c_str());
  curl_easy_setopt(C, CURLOPT_URL, Url.c_str());
  curl_easy_setopt(C, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(C, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(C, CURLOPT_ERRORBUFFER, ErrBuf);
  curl_easy_setopt(C, CURLOPT_WRITEFUNCTION, appendBody);
  curl_easy_setopt(C, CURLOPT_WRITEDATA, &Received);
  curl_easy_setopt(C, CURLOPT_CONNECTTIMEOUT, Opts.ConnectTimeout);
  if (Opts.ReadTimeout > 0) {
    // No byte for ReadTimeout seconds: the node stalled.
    curl_easy_setopt(C, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(C, CURLOPT_LOW_SPEED_TIME, Opts.ReadTimeout);
  }
  if (Opts.CACert)
    curl_easy_setopt(C, CURLOPT_CAINFO, Opts.CACert->c_str());
  if (Method == "HEAD")
    curl_easy_setopt(C, CURLOPT_NOBODY, 1L);
  else if (Method != "GET")
    curl_easy_setopt(C, CURLOPT_CUSTOMREQUEST, Method.str().c_str());
  if (Body) {
    Payload = llvm::formatv("{0}", *Body).str();
    Headers = curl_slist_append(Headers, "Content-Type: application/json");
    curl_easy_setopt(C, CURLOPT_POSTFIELDS, Payload.data());
    curl_easy_setopt(C, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(Payload.size()));
  } else if (Method == "POST" || Method == "PUT") {
    curl_easy_setopt(C, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(C, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(0));
  }
  curl_easy_setopt(C, CURLOPT_HTTPHEADER, Headers);
  CURLcode RC = curl_easy_perform(C);
  curl_slist_free_all(Headers);
  curl_easy_setopt(C, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(C, CURLOPT_ERRORBUFFER, nullptr);
  if (RC != CURLE_OK)
    return Fail(ErrBuf[0] ? llvm::StringRef(ErrBuf)
                          : llvm::StringRef(curl_easy_strerror(RC)));
  HttpResponse R;
  curl_easy_getinfo(C, CURLINFO_RESPONSE_CODE, &R.Status);
  R.Body = std::move(Received);
  return R;
}

llvm::Expected<JsonResponse>
HttpClient::call(llvm::StringRef Method, llvm::StringRef Path,
                 const std::optional<llvm::json::Value> &Body,
                 llvm::ArrayRef<long> Accept) {
  llvm::Expected<HttpResponse> R = send(Method, Path, Body);
  if (!R)
    return R.takeError();
  std::string Url = url(Path);
  auto Fail = [&](const std::string &Why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s %s: %s",
                                   Method.str().c_str(), Url.c_str(),
                                   Why.c_str());
  };
  JsonResponse Out;
  Out.Status = R->Status;
  bool Accepted = (R->Status >= 200 && R->Status < 300) ||
                  llvm::is_contained(Accept, R->Status);
  std::optional<llvm::json::Object> Obj;
  std::string ParseError;
  if (!llvm::StringRef(R->Body).trim().empty()) {
    llvm::Expected<llvm::json::Value> V = llvm::json::parse(R->Body);
    if (!V)
      ParseError = llvm::toString(V.takeError());
    else if (llvm::json::Object *O = V->getAsObject())
      Obj = std::move(*O);
    else
      ParseError = "a JSON object was expected";
  }
  if (!Accepted) {
    std::string Why = llvm::formatv("HTTP {0}", R->Status).str();
    std::string Msg = Obj ? stringMember(*Obj, "message") : firstLine(R->Body);
    if (!Msg.empty())
      Why += ": " + Msg;
    return Fail(Why);
  }
  if (!ParseError.empty())
    return Fail(llvm::formatv("HTTP {0} with a body that is not JSON ({1}): "
                              "'{2}'",
                              R->Status, ParseError, firstLine(R->Body))
                    .str());
  if (Obj)
    Out.Body = std::move(*Obj);
  return Out;
}

std::string overlord::client::escapeSegment(llvm::StringRef Segment) {
  std::string Out;
  for (unsigned char C : Segment) {
    if (llvm::isAlnum(C) || C == '-' || C == '.' || C == '_' || C == '~')
      Out += char(C);
    else
      Out += llvm::formatv("%{0:X-2}", unsigned(C)).str();
  }
  return Out;
}

std::string overlord::client::stringMember(const llvm::json::Object &O,
                                           llvm::StringRef Key) {
  if (auto S = O.getString(Key))
    return S->str();
  return "";
}
