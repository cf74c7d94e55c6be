//===- Metrics.h - Prometheus metrics registry ------------------*- C++ -*-===//
//
// A thread-safe registry of counters, gauges and histograms rendered in the
// Prometheus text exposition format 0.0.4 (`GET /metrics`). Families are
// rendered sorted by name, series sorted by their label text, so the output
// is deterministic. Label values and help texts are escaped as the format
// requires. Collectors registered with addCollector() run at the start of
// every render() (for gauges read on demand, such as the queue depth).
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_METRICS_H
#define OVERLORD_ENGINE_METRICS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace overlord::engine {
namespace http {

/// The registry. Every member may be called from any thread.
class Metrics {
public:
  /// Label name/value pairs of one series, in any order (the rendered
  /// series sorts them by name).
  using Labels = std::vector<std::pair<std::string, std::string>>;

  /// The default histogram buckets (seconds): 0.5 ms to 10 s.
  static const std::vector<double> &defaultBuckets();

  /// Declares a family: Type is "counter", "gauge" or "histogram", Help one
  /// line. Describing again updates the help; a family used before being
  /// described takes the type of its first use.
  void describe(llvm::StringRef Name, llvm::StringRef Type,
                llvm::StringRef Help);
  /// A histogram family with its own bucket upper bounds (ascending).
  void describeHistogram(llvm::StringRef Name, llvm::StringRef Help,
                         llvm::ArrayRef<double> Buckets);

  /// Adds V to a counter or gauge series (a gauge accepts negative V).
  void inc(llvm::StringRef Name, const Labels &L = {}, double V = 1);
  /// Sets a gauge series.
  void set(llvm::StringRef Name, const Labels &L, double V);
  /// Records one observation (seconds) in a histogram series.
  void observe(llvm::StringRef Name, const Labels &L, double Seconds);
  /// The current value of a counter or gauge series (tests, logs); 0 when
  /// there is none.
  double value(llvm::StringRef Name, const Labels &L = {}) const;
  /// Runs Fn at the start of each render(); Fn may call set()/inc().
  void addCollector(std::function<void(Metrics &)> Fn);

  /// The exposition text (Content-Type `text/plain; version=0.0.4`).
  std::string render();

  /// The Content-Type of render()'s text.
  static constexpr const char *ContentType =
      "text/plain; version=0.0.4; charset=utf-8";

private:
  enum class Kind { Untyped, Counter, Gauge, Histogram };
  struct Series {
    double Value = 0;
    std::vector<uint64_t> Counts; ///< per bucket, not cumulative
    double Sum = 0;
    uint64_t Count = 0;
  };
  struct Family {
    Kind K = Kind::Untyped;
    std::string Help;
    std::vector<double> Buckets;
    std::map<std::string, Series> Items; ///< by rendered label text
  };
  Family &family(llvm::StringRef Name, Kind K);
  static std::string labelText(const Labels &L);

  mutable std::mutex Mu;
  std::map<std::string, Family, std::less<>> Families;
  std::mutex CollectorsMu;
  std::vector<std::function<void(Metrics &)>> Collectors;
};

/// Formats a sample value as Prometheus expects: integers without a
/// fraction, others in the shortest form that reads back exactly, "+Inf",
/// "-Inf", "NaN".
std::string formatMetricValue(double V);

} // namespace http

/// The registry is shared by the whole engine (the executor records job
/// metrics in it too).
using http::Metrics;

} // namespace overlord::engine

#endif // OVERLORD_ENGINE_METRICS_H
