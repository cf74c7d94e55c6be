//===- MetricsTest.cpp - Prometheus registry tests --------------*- C++ -*-===//
//
// The exposition text exactly: HELP/TYPE lines, sorted families and series,
// label escaping, cumulative histogram buckets with +Inf, _sum and _count,
// value formatting, collectors, and concurrent updates.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Metrics.h"

#include "gtest/gtest.h"

#include <cmath>
#include <thread>

using namespace overlord::engine::http;

namespace {

TEST(HttpMetrics, RendersSortedWithHelpAndType) {
  Metrics M;
  M.describe("b_total", "counter", "Things counted.\nSecond line \\ done.");
  M.describe("a_depth", "gauge", "Queue depth.");
  M.inc("b_total", {{"route", "x"}, {"method", "GET"}});
  M.inc("b_total", {{"method", "GET"}, {"route", "x"}}, 2);
  M.inc("b_total", {{"method", "POST"}, {"route", "a\"b\\c\nd"}});
  M.set("a_depth", {}, 3);
  M.set("a_depth", {}, 4.5);
  EXPECT_EQ(M.render(),
            "# HELP a_depth Queue depth.\n"
            "# TYPE a_depth gauge\n"
            "a_depth 4.5\n"
            "# HELP b_total Things counted.\\nSecond line \\\\ "
            "done.\n"
            "# TYPE b_total counter\n"
            "b_total{method=\"GET\",route=\"x\"} 3\n"
            "b_total{method=\"POST\",route=\"a\\\"b\\\\c\\nd\"} 1\n");
  EXPECT_EQ(M.value("b_total", {{"route", "x"}, {"method", "GET"}}), 3);
  EXPECT_EQ(M.value("b_total", {{"route", "nope"}}), 0);
  EXPECT_EQ(M.value("missing"), 0);
}

TEST(HttpMetrics, Histogram) {
  Metrics M;
  M.describeHistogram("lat_seconds", "Latency.", {1, 0.125, 0.5});
  M.observe("lat_seconds", {{"route", "r"}}, 0.0625);
  M.observe("lat_seconds", {{"route", "r"}}, 0.125); // le is inclusive
  M.observe("lat_seconds", {{"route", "r"}}, 0.75);
  M.observe("lat_seconds", {{"route", "r"}}, 3);
  EXPECT_EQ(M.render(), "# HELP lat_seconds Latency.\n"
                        "# TYPE lat_seconds histogram\n"
                        "lat_seconds_bucket{route=\"r\",le=\"0.125\"} 2\n"
                        "lat_seconds_bucket{route=\"r\",le=\"0.5\"} 2\n"
                        "lat_seconds_bucket{route=\"r\",le=\"1\"} 3\n"
                        "lat_seconds_bucket{route=\"r\",le=\"+Inf\"} 4\n"
                        "lat_seconds_sum{route=\"r\"} 3.9375\n"
                        "lat_seconds_count{route=\"r\"} 4\n");
}

TEST(HttpMetrics, DefaultBucketsAndNoLabels) {
  Metrics M;
  M.observe("d", {}, 0.002);
  std::string Text = M.render();
  EXPECT_NE(Text.find("# TYPE d histogram\n"), std::string::npos);
  EXPECT_NE(Text.find("d_bucket{le=\"0.001\"} 0\n"), std::string::npos);
  EXPECT_NE(Text.find("d_bucket{le=\"0.0025\"} 1\n"), std::string::npos);
  EXPECT_NE(Text.find("d_bucket{le=\"10\"} 1\n"), std::string::npos);
  EXPECT_NE(Text.find("d_bucket{le=\"+Inf\"} 1\n"), std::string::npos);
  EXPECT_NE(Text.find("d_count 1\n"), std::string::npos);
  EXPECT_EQ(Text.find("HELP"), std::string::npos);
}

TEST(HttpMetrics, MisuseDoesNotCorrupt) {
  Metrics M;
  M.observe("h", {}, 1);
  M.inc("h"); // a histogram is not a counter: ignored
  M.set("h", {}, 5);
  M.inc("c");
  M.observe("c", {}, 1); // nor the reverse
  std::string Text = M.render();
  EXPECT_NE(Text.find("h_count 1\n"), std::string::npos) << Text;
  EXPECT_NE(Text.find("\nc 1\n"), std::string::npos) << Text;
  EXPECT_EQ(Text.find("c_count"), std::string::npos) << Text;
}

TEST(HttpMetrics, ValueFormatting) {
  EXPECT_EQ(formatMetricValue(0), "0");
  EXPECT_EQ(formatMetricValue(-0.0), "0");
  EXPECT_EQ(formatMetricValue(42), "42");
  EXPECT_EQ(formatMetricValue(-3), "-3");
  EXPECT_EQ(formatMetricValue(1234567890123.0), "1234567890123");
  EXPECT_EQ(formatMetricValue(0.1), "0.1");
  EXPECT_EQ(formatMetricValue(0.0005), "0.0005");
  EXPECT_EQ(formatMetricValue(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(formatMetricValue(1e300), "1e+300");
  EXPECT_EQ(formatMetricValue(INFINITY), "+Inf");
  EXPECT_EQ(formatMetricValue(-INFINITY), "-Inf");
  EXPECT_EQ(formatMetricValue(NAN), "NaN");
}

TEST(HttpMetrics, CollectorsRunAtRender) {
  Metrics M;
  int Depth = 0;
  M.describe("queue_depth", "gauge", "Jobs queued.");
  M.addCollector([&](Metrics &R) { R.set("queue_depth", {}, ++Depth); });
  EXPECT_NE(M.render().find("queue_depth 1\n"), std::string::npos);
  EXPECT_NE(M.render().find("queue_depth 2\n"), std::string::npos);
}

TEST(HttpMetrics, ConcurrentUpdates) {
  Metrics M;
  std::vector<std::thread> Ts;
  for (int T = 0; T < 4; ++T)
    Ts.emplace_back([&M, T] {
      for (int I = 0; I < 2000; ++I) {
        M.inc("n_total", {{"t", std::to_string(T % 2)}});
        M.observe("o", {}, 0.01);
        if (I % 500 == 0)
          (void)M.render();
      }
    });
  for (auto &T : Ts)
    T.join();
  EXPECT_EQ(M.value("n_total", {{"t", "0"}}), 4000);
  EXPECT_EQ(M.value("n_total", {{"t", "1"}}), 4000);
  EXPECT_NE(M.render().find("o_count 8000\n"), std::string::npos);
}

} // namespace
