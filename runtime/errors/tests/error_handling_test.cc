#include "runtime/errors/error_handling.h"

#include <gtest/gtest.h>

namespace tributary::runtime {
namespace {

using std::chrono::milliseconds;

struct Fixture {
  std::vector<milliseconds> sleeps;
  RetryWithToleranceOperator Make(ErrorHandlingConfig config) {
    return RetryWithToleranceOperator(
        config, "c-0", [this](milliseconds d) { sleeps.push_back(d); }, [] { return false; });
  }
};

class CountingReporter : public ErrorReporter {
 public:
  explicit CountingReporter(int* count) : count_(count) {}
  void Report(const ProcessingContext&) override { ++*count_; }

 private:
  int* count_;
};

TEST(ErrorHandlingConfigTest, ParsesConnectKeysAndDefaults) {
  auto defaults = ParseErrorHandlingConfig(ConnectorType::kSink, {});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->tolerance, ErrorTolerance::kNone);
  EXPECT_EQ(defaults->retry_timeout, milliseconds(0));
  EXPECT_EQ(defaults->retry_delay_max, milliseconds(60000));
  EXPECT_EQ(defaults->dlq_replication_factor, 3);
  auto all = ParseErrorHandlingConfig(ConnectorType::kSink,
                                      {{"errors.tolerance", "all"},
                                       {"errors.deadletterqueue.topic.name", "dlq"},
                                       {"errors.deadletterqueue.context.headers.enable", "true"}});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->tolerance, ErrorTolerance::kAll);
  EXPECT_EQ(all->dlq_topic, "dlq");
  EXPECT_TRUE(all->dlq_context_headers);
  auto bad = ParseErrorHandlingConfig(ConnectorType::kSource, {{"errors.tolerance", "some"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("errors.tolerance"), std::string::npos);
}

TEST(RetryWithToleranceOperatorTest, RetriesRetriableErrorsWithExponentialBackoff) {
  Fixture f;
  ErrorHandlingConfig config;
  config.retry_timeout = milliseconds(-1);  // forever
  config.retry_delay_max = milliseconds(1000);
  auto op = f.Make(config);
  int calls = 0;
  Result<int> r = op.ExecuteWithRetry([&]() -> Result<int> {
    if (++calls < 5) return Status::Unavailable("later");
    return 42;
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 42);
  EXPECT_EQ(f.sleeps, (std::vector<milliseconds>{milliseconds(300), milliseconds(600),
                                                 milliseconds(1000), milliseconds(1000)}));
  EXPECT_EQ(op.metrics().total_retries, 4);
}

TEST(RetryWithToleranceOperatorTest, DoesNotRetryFatalErrorsOrWithoutTimeout) {
  Fixture f;
  auto op = f.Make({});  // errors.retry.timeout=0
  int calls = 0;
  Status st = op.ExecuteWithRetry([&] {
    ++calls;
    return Status::Unavailable("later");
  });
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(f.sleeps.empty());
}

TEST(RetryWithToleranceOperatorTest, ToleranceNoneFailsNamingStageAndRecord) {
  Fixture f;
  auto op = f.Make({});
  ConsumedRecord consumed;
  consumed.topic = "orders";
  consumed.partition = 2;
  consumed.offset = 17;
  ProcessingContext context{ErrorStage::kValueConverter, "JsonConverter",
                            Status::DataError("bad json"), &consumed, nullptr};
  Status st = op.HandleFailure(context);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("Tolerance exceeded in error handler"), std::string::npos);
  EXPECT_NE(st.message().find("VALUE_CONVERTER"), std::string::npos);
  EXPECT_NE(st.message().find("topic 'orders' partition 2 offset 17"), std::string::npos);
  EXPECT_NE(st.message().find("bad json"), std::string::npos);
}

TEST(RetryWithToleranceOperatorTest, ToleranceAllReportsAndCounts) {
  Fixture f;
  ErrorHandlingConfig config;
  config.tolerance = ErrorTolerance::kAll;
  auto op = f.Make(config);
  int reported = 0;
  op.AddReporter(std::make_unique<CountingReporter>(&reported));
  ConsumedRecord consumed;
  ProcessingContext context{ErrorStage::kTransformation, "Cast$Value", Status::DataError("x"),
                            &consumed, nullptr};
  EXPECT_TRUE(op.HandleFailure(context).ok());
  EXPECT_EQ(reported, 1);
  EXPECT_EQ(op.metrics().total_records_skipped, 1);
  EXPECT_EQ(op.metrics().total_record_failures, 1);

  // Outside converters and transforms only retriable errors are tolerable.
  ProcessingContext put{ErrorStage::kTaskPut, "Sink", Status::IoError("disk"), &consumed, nullptr};
  EXPECT_FALSE(op.HandleFailure(put).ok());
  EXPECT_EQ(reported, 1);
  // Unless the task itself reported the record as errant.
  put.errant = true;
  EXPECT_TRUE(op.HandleFailure(put).ok());
  EXPECT_EQ(reported, 2);
}

TEST(ErrorStageTest, NamesAsConnect) {
  EXPECT_STREQ(ErrorStageName(ErrorStage::kKeyConverter), "KEY_CONVERTER");
  EXPECT_STREQ(ErrorStageName(ErrorStage::kHeaderConverter), "HEADER_CONVERTER");
  EXPECT_STREQ(ErrorStageName(ErrorStage::kTransformation), "TRANSFORMATION");
}

}  // namespace
}  // namespace tributary::runtime
