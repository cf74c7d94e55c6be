//===- HttpClient.cpp - Blocking libcurl requests for the hooks -*- C++ -*-===//
//
// A fresh easy handle per request keeps the code free of shared state; the
// integrations make a handful of requests per job, so connection reuse is
// not worth a pool. CURLOPT_NOSIGNAL makes timeouts safe in worker threads.
//
//===----------------------------------------------------------------------===//
#include "HttpClient.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Base64.h"

#include <curl/curl.h>

#include <memory>
#include <mutex>

using namespace overlord::engine;
using namespace overlord::engine::hooks;

namespace {

/// curl_global_init is not thread-safe on every platform: run it once.
void initCurl() {
  static std::once_flag Once;
  std::call_once(Once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Sink {
  std::string *Out;
  std::size_t Limit;
  bool Overflow = false;
};

size_t writeBody(char *Data, size_t Size, size_t N, void *User) {
  auto *S = static_cast<Sink *>(User);
  size_t Len = Size * N;
  if (S->Out->size() + Len > S->Limit) {
    S->Overflow = true;
    return 0; // aborts the transfer with CURLE_WRITE_ERROR
  }
  S->Out->append(Data, Len);
  return Len;
}

struct EasyDeleter {
  void operator()(CURL *C) const { curl_easy_cleanup(C); }
};
struct ListDeleter {
  void operator()(curl_slist *L) const { curl_slist_free_all(L); }
};

long millis(std::chrono::milliseconds V, long Default) {
  return V.count() > 0 ? static_cast<long>(V.count()) : Default;
}

} // namespace

llvm::Expected<HttpResponse> hooks::httpRequest(const HttpRequest &R) {
  initCurl();
  std::unique_ptr<CURL, EasyDeleter> C(curl_easy_init());
  if (!C)
    return llvm::createStringError(std::errc::not_enough_memory,
                                   "cannot create a curl handle");
  CURL *H = C.get();
  HttpResponse Resp;
  Sink S{&Resp.Body, R.MaxResponseBytes};
  char ErrBuf[CURL_ERROR_SIZE] = {0};

  curl_easy_setopt(H, CURLOPT_URL, R.Url.c_str());
  curl_easy_setopt(H, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(H, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(H, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(H, CURLOPT_ERRORBUFFER, ErrBuf);
  curl_easy_setopt(H, CURLOPT_WRITEFUNCTION, writeBody);
  curl_easy_setopt(H, CURLOPT_WRITEDATA, &S);
  curl_easy_setopt(H, CURLOPT_CONNECTTIMEOUT_MS,
                   millis(R.ConnectTimeout, 10000));
  curl_easy_setopt(H, CURLOPT_TIMEOUT_MS, millis(R.Timeout, 60000));

  std::string Method = llvm::StringRef(R.Method).upper();
  bool SendsBody = !R.Body.empty() || Method == "POST" || Method == "PUT";
  if (Method == "GET") {
    curl_easy_setopt(H, CURLOPT_HTTPGET, 1L);
  } else if (Method == "HEAD") {
    curl_easy_setopt(H, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(H, CURLOPT_CUSTOMREQUEST, Method.c_str());
  }
  if (SendsBody) {
    curl_easy_setopt(H, CURLOPT_POSTFIELDS, R.Body.data());
    curl_easy_setopt(H, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(R.Body.size()));
  }

  std::unique_ptr<curl_slist, ListDeleter> Headers;
  for (const std::string &Line : R.Headers)
    Headers.reset(curl_slist_append(Headers.release(), Line.c_str()));
  // curl adds "Expect: 100-continue" to large POSTs: an extra round trip
  // some servers never answer.
  Headers.reset(curl_slist_append(Headers.release(), "Expect:"));
  curl_easy_setopt(H, CURLOPT_HTTPHEADER, Headers.get());

  if (R.BasicAuth) {
    curl_easy_setopt(H, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(H, CURLOPT_USERNAME, R.BasicAuth->first.c_str());
    curl_easy_setopt(H, CURLOPT_PASSWORD, R.BasicAuth->second.c_str());
  }
  if (!R.CAInfo.empty())
    curl_easy_setopt(H, CURLOPT_CAINFO, R.CAInfo.c_str());
  if (!R.ClientCert.empty())
    curl_easy_setopt(H, CURLOPT_SSLCERT, R.ClientCert.c_str());
  if (!R.ClientKey.empty())
    curl_easy_setopt(H, CURLOPT_SSLKEY, R.ClientKey.c_str());

  CURLcode Rc = curl_easy_perform(H);
  if (S.Overflow)
    return llvm::createStringError(
        std::errc::value_too_large, "%s %s: response larger than %zu bytes",
        Method.c_str(), R.Url.c_str(), R.MaxResponseBytes);
  if (Rc != CURLE_OK) {
    std::string Why = ErrBuf[0] ? ErrBuf : curl_easy_strerror(Rc);
    return llvm::createStringError(std::errc::io_error, "%s %s: %s",
                                   Method.c_str(), R.Url.c_str(), Why.c_str());
  }
  curl_easy_getinfo(H, CURLINFO_RESPONSE_CODE, &Resp.Status);
  return Resp;
}

std::string hooks::percentEncode(llvm::StringRef S) {
  std::string Out;
  for (unsigned char C : S) {
    if (llvm::isAlnum(C) || C == '-' || C == '.' || C == '_' || C == '~') {
      Out.push_back(C);
      continue;
    }
    Out.push_back('%');
    Out.push_back(llvm::hexdigit(C >> 4));
    Out.push_back(llvm::hexdigit(C & 15));
  }
  return Out;
}

std::string hooks::base64Encode(llvm::StringRef Bytes) {
  return llvm::encodeBase64(Bytes);
}

std::optional<std::string> hooks::base64Decode(llvm::StringRef Text) {
  auto Value = [](char C) -> int {
    if (C >= 'A' && C <= 'Z')
      return C - 'A';
    if (C >= 'a' && C <= 'z')
      return C - 'a' + 26;
    if (C >= '0' && C <= '9')
      return C - '0' + 52;
    if (C == '+')
      return 62;
    if (C == '/')
      return 63;
    return -1;
  };
  if (Text.size() % 4 != 0)
    return std::nullopt;
  std::string Out;
  for (size_t I = 0; I < Text.size(); I += 4) {
    llvm::StringRef Quad = Text.substr(I, 4);
    bool Last = I + 4 == Text.size();
    size_t Pad = Last ? Quad.size() - Quad.rtrim('=').size() : 0;
    if (Pad > 2)
      return std::nullopt;
    uint32_t Bits = 0;
    for (size_t J = 0; J < 4; ++J) {
      int V = J < 4 - Pad ? Value(Quad[J]) : 0;
      if (V < 0)
        return std::nullopt;
      Bits = (Bits << 6) | static_cast<uint32_t>(V);
    }
    Out.push_back(static_cast<char>(Bits >> 16));
    if (Pad < 2)
      Out.push_back(static_cast<char>((Bits >> 8) & 0xff));
    if (Pad < 1)
      Out.push_back(static_cast<char>(Bits & 0xff));
  }
  return Out;
}
