//===- Metrics.cpp - Prometheus metrics registry ----------------*- C++ -*-===//
//
// Series are keyed by their rendered label text (`{a="x",b="y"}`, labels
// sorted by name), which makes two spellings of one label set the same
// series and gives render() its order for free.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Metrics.h"

#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

using namespace overlord::engine::http;

const std::vector<double> &Metrics::defaultBuckets() {
  static const std::vector<double> Buckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
      0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  return Buckets;
}

std::string overlord::engine::http::formatMetricValue(double V) {
  if (std::isnan(V))
    return "NaN";
  if (std::isinf(V))
    return V > 0 ? "+Inf" : "-Inf";
  char Buf[64];
  if (V == std::trunc(V) && std::fabs(V) < 1e15) {
    std::snprintf(Buf, sizeof(Buf), "%.0f", V);
    // "-0" reads back as 0 but looks odd.
    return std::string(Buf) == "-0" ? "0" : Buf;
  }
  for (int Precision = 6; Precision <= 17; ++Precision) {
    std::snprintf(Buf, sizeof(Buf), "%.*g", Precision, V);
    if (std::strtod(Buf, nullptr) == V)
      break;
  }
  return Buf;
}

namespace {

void escapeInto(std::string &Out, llvm::StringRef S, bool Quotes) {
  for (char C : S) {
    if (C == '\\')
      Out += "\\\\";
    else if (C == '\n')
      Out += "\\n";
    else if (C == '"' && Quotes)
      Out += "\\\"";
    else
      Out += C;
  }
}

const char *kindName(int K) {
  static const char *Names[] = {"untyped", "counter", "gauge", "histogram"};
  return Names[K];
}

} // namespace

std::string Metrics::labelText(const Labels &L) {
  if (L.empty())
    return "";
  std::vector<const std::pair<std::string, std::string> *> Sorted;
  Sorted.reserve(L.size());
  for (const auto &P : L)
    Sorted.push_back(&P);
  std::stable_sort(Sorted.begin(), Sorted.end(),
                   [](auto *A, auto *B) { return A->first < B->first; });
  std::string Out = "{";
  for (size_t I = 0; I < Sorted.size(); ++I) {
    if (I)
      Out += ',';
    Out += Sorted[I]->first;
    Out += "=\"";
    escapeInto(Out, Sorted[I]->second, /*Quotes=*/true);
    Out += '"';
  }
  Out += '}';
  return Out;
}

Metrics::Family &Metrics::family(llvm::StringRef Name, Kind K) {
  auto It = Families.find(Name);
  if (It == Families.end()) {
    It = Families.emplace(Name.str(), Family()).first;
    It->second.K = K;
    if (K == Kind::Histogram)
      It->second.Buckets = defaultBuckets();
  } else if (It->second.K == Kind::Untyped) {
    It->second.K = K;
    if (K == Kind::Histogram && It->second.Buckets.empty())
      It->second.Buckets = defaultBuckets();
  }
  return It->second;
}

void Metrics::describe(llvm::StringRef Name, llvm::StringRef Type,
                       llvm::StringRef Help) {
  Kind K = Type == "counter"     ? Kind::Counter
           : Type == "gauge"     ? Kind::Gauge
           : Type == "histogram" ? Kind::Histogram
                                 : Kind::Untyped;
  std::lock_guard<std::mutex> Lock(Mu);
  Family &F = family(Name, K);
  F.Help = Help.str();
}

void Metrics::describeHistogram(llvm::StringRef Name, llvm::StringRef Help,
                                llvm::ArrayRef<double> Buckets) {
  std::vector<double> B(Buckets.begin(), Buckets.end());
  std::sort(B.begin(), B.end());
  B.erase(std::unique(B.begin(), B.end()), B.end());
  B.erase(
      std::remove_if(B.begin(), B.end(),
                     [](double X) { return std::isinf(X) || std::isnan(X); }),
      B.end());
  std::lock_guard<std::mutex> Lock(Mu);
  Family &F = family(Name, Kind::Histogram);
  F.Help = Help.str();
  // Changing buckets under existing series would mix two layouts.
  if (F.K == Kind::Histogram && F.Items.empty())
    F.Buckets = std::move(B);
}

void Metrics::inc(llvm::StringRef Name, const Labels &L, double V) {
  std::string Key = labelText(L);
  std::lock_guard<std::mutex> Lock(Mu);
  Family &F = family(Name, Kind::Counter);
  if (F.K == Kind::Histogram)
    return; // a misuse; never corrupt the histogram
  F.Items[Key].Value += V;
}

void Metrics::set(llvm::StringRef Name, const Labels &L, double V) {
  std::string Key = labelText(L);
  std::lock_guard<std::mutex> Lock(Mu);
  Family &F = family(Name, Kind::Gauge);
  if (F.K == Kind::Histogram)
    return;
  F.Items[Key].Value = V;
}

void Metrics::observe(llvm::StringRef Name, const Labels &L, double Seconds) {
  std::string Key = labelText(L);
  std::lock_guard<std::mutex> Lock(Mu);
  Family &F = family(Name, Kind::Histogram);
  if (F.K != Kind::Histogram)
    return;
  Series &S = F.Items[Key];
  if (S.Counts.empty())
    S.Counts.assign(F.Buckets.size(), 0);
  // The first bucket whose upper bound holds the value; past the last one
  // only +Inf (Count) holds it.
  auto It = std::lower_bound(F.Buckets.begin(), F.Buckets.end(), Seconds);
  if (It != F.Buckets.end())
    ++S.Counts[It - F.Buckets.begin()];
  S.Sum += Seconds;
  ++S.Count;
}

double Metrics::value(llvm::StringRef Name, const Labels &L) const {
  std::string Key = labelText(L);
  std::lock_guard<std::mutex> Lock(Mu);
  auto It = Families.find(Name);
  if (It == Families.end())
    return 0;
  auto S = It->second.Items.find(Key);
  return S == It->second.Items.end() ? 0 : S->second.Value;
}

void Metrics::addCollector(std::function<void(Metrics &)> Fn) {
  std::lock_guard<std::mutex> Lock(CollectorsMu);
  Collectors.push_back(std::move(Fn));
}

/// `{a="x"}` + le="0.5" → `{a="x",le="0.5"}`.
static std::string withLe(const std::string &Labels, const std::string &Le) {
  std::string Out =
      Labels.empty() ? "{" : Labels.substr(0, Labels.size() - 1) + ",";
  Out += "le=\"" + Le + "\"}";
  return Out;
}

std::string Metrics::render() {
  {
    // Collectors call back into set()/inc(), so they run before the lock.
    std::lock_guard<std::mutex> Lock(CollectorsMu);
    for (auto &Fn : Collectors)
      Fn(*this);
  }
  std::string Out;
  std::lock_guard<std::mutex> Lock(Mu);
  for (const auto &[Name, F] : Families) {
    if (!F.Help.empty()) {
      Out += "# HELP " + Name + " ";
      escapeInto(Out, F.Help, /*Quotes=*/false);
      Out += '\n';
    }
    Out += "# TYPE " + Name + " " + kindName(static_cast<int>(F.K)) + "\n";
    for (const auto &[Labels, S] : F.Items) {
      if (F.K != Kind::Histogram) {
        Out += Name + Labels + " " + formatMetricValue(S.Value) + "\n";
        continue;
      }
      uint64_t Cumulative = 0;
      for (size_t I = 0; I < F.Buckets.size(); ++I) {
        Cumulative += I < S.Counts.size() ? S.Counts[I] : 0;
        Out += Name + "_bucket" +
               withLe(Labels, formatMetricValue(F.Buckets[I])) + " " +
               std::to_string(Cumulative) + "\n";
      }
      Out += Name + "_bucket" + withLe(Labels, "+Inf") + " " +
             std::to_string(S.Count) + "\n";
      Out += Name + "_sum" + Labels + " " + formatMetricValue(S.Sum) + "\n";
      Out += Name + "_count" + Labels + " " + std::to_string(S.Count) + "\n";
    }
  }
  return Out;
}
