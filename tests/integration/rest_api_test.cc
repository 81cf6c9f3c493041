// Contract tests of the Kafka Connect REST API against the real `tributary standalone` binary over
// HTTP: status codes, headers and JSON bodies as Connect answers them (reference kafka-connect.md
// §1.2–1.4), persistence of REST-made connectors across restarts, and concurrent clients.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "rest-api/tests/http_test_client.h"
#include "runtime/kafka/embedded_broker.h"
#include "tests/harness/harness.h"

namespace tributary::testing {
namespace {

using rest::testing::Fetch;
using rest::testing::HttpResult;
using std::chrono::seconds;

rapidjson::Document Json(const HttpResult& r) {
  rapidjson::Document doc;
  doc.Parse(r.body.c_str(), r.body.size());
  EXPECT_FALSE(doc.HasParseError()) << r.body;
  return doc;
}

class RestApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto broker = runtime::EmbeddedBroker::Start();
    ASSERT_TRUE(broker.ok()) << broker.status().ToString();
    broker_ = std::move(*broker);
    ASSERT_TRUE(broker_->CreateTopic("lines", 1).ok());
    offsets_ = dir_.File("offsets.json");
    worker_props_ = {{"bootstrap.servers", broker_->bootstrap_servers()},
                     {"key.converter", "org.apache.kafka.connect.storage.StringConverter"},
                     {"value.converter", "org.apache.kafka.connect.storage.StringConverter"},
                     {"offset.storage.file.filename", offsets_},
                     {"offset.flush.interval.ms", "100"},
                     {"listeners", "http://127.0.0.1:0"}};
    WriteProperties(dir_.File("worker.properties"), worker_props_);
    StartWorker();
  }

  // Restarts the worker with `changes` applied to its properties.
  void RestartWith(const std::map<std::string, std::string>& changes) {
    StopWorker();
    for (const auto& [key, value] : changes) worker_props_[key] = value;
    WriteProperties(dir_.File("worker.properties"), worker_props_);
    StartWorker();
  }

  void TearDown() override { StopWorker(); }

  void StartWorker() {
    log_ = dir_.File("worker" + std::to_string(++starts_) + ".log");
    worker_ = std::make_unique<Process>(
        std::vector<std::string>{TributaryBinary(), "standalone", dir_.File("worker.properties")},
        log_);
    port_ = WaitForRestPort(log_, seconds(30));
    ASSERT_NE(port_, 0) << worker_->Log();
    ASSERT_TRUE(WaitUntil([&] { return Get("/health").status == 200; }, seconds(30)));
  }

  void StopWorker() {
    if (!worker_) return;
    worker_->Kill(SIGTERM);
    EXPECT_EQ(worker_->Wait(seconds(30)), 0) << worker_->Log();
    worker_.reset();
  }

  HttpResult Get(const std::string& target) { return Fetch(port_, "GET", target); }
  HttpResult Call(const std::string& method, const std::string& target,
                  const std::string& body = "") {
    return Fetch(port_, method, target, body);
  }

  std::string SourceConfig(const std::string& name, const std::string& file) {
    return R"({"name":")" + name +
           R"(","connector.class":"FileStreamSource","topic":"lines","file":")" + file + R"("})";
  }
  HttpResult CreateSource(const std::string& name, const std::string& extra = "") {
    const std::string file = dir_.File(name + ".txt");
    if (!std::filesystem::exists(file)) WriteFile(file, "");
    return Call("POST", "/connectors",
                R"({"name":")" + name +
                    R"(","config":{"connector.class":"FileStreamSource","topic":"lines","file":")" +
                    file + R"("})" + extra + "}");
  }

  std::string ConnectorState(const std::string& name) {
    HttpResult r = Get("/connectors/" + name + "/status");
    if (r.status != 200) return "";
    auto doc = Json(r);
    return doc["connector"]["state"].GetString();
  }
  // "RUNNING,RUNNING" for two running tasks.
  std::string TaskStates(const std::string& name) {
    HttpResult r = Get("/connectors/" + name + "/status");
    if (r.status != 200) return "?";
    auto doc = Json(r);
    std::string out;
    for (const auto& task : doc["tasks"].GetArray()) {
      out += (out.empty() ? "" : ",") + std::string(task["state"].GetString());
    }
    return out;
  }

  static void ExpectError(const HttpResult& r, int status, const std::string& message) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.headers.count("content-type") ? r.headers.at("content-type") : "",
              "application/json");
    rapidjson::Document doc;
    doc.Parse(r.body.c_str(), r.body.size());
    ASSERT_TRUE(doc.IsObject()) << r.body;
    EXPECT_EQ(doc["error_code"].GetInt(), status);
    EXPECT_EQ(std::string(doc["message"].GetString()), message);
  }

  std::unique_ptr<runtime::EmbeddedBroker> broker_;
  TempDir dir_;
  std::map<std::string, std::string> worker_props_;
  std::string offsets_;
  std::string log_;
  int starts_ = 0;
  std::unique_ptr<Process> worker_;
  uint16_t port_ = 0;
};

TEST_F(RestApiTest, CreateReadUpdateDeleteLifecycle) {
  HttpResult created = CreateSource("src");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.headers["location"], "/connectors/src");
  auto info = Json(created);
  EXPECT_STREQ(info["name"].GetString(), "src");
  EXPECT_STREQ(info["type"].GetString(), "source");
  EXPECT_STREQ(info["config"]["name"].GetString(), "src");
  ASSERT_EQ(info["tasks"].Size(), 1u);
  EXPECT_STREQ(info["tasks"][0]["connector"].GetString(), "src");
  EXPECT_EQ(info["tasks"][0]["task"].GetInt(), 0);

  ExpectError(CreateSource("src"), 409, "Connector src already exists");
  EXPECT_EQ(Get("/connectors").body, R"(["src"])");
  auto expanded = Json(Get("/connectors?expand=info&expand=status"));
  EXPECT_STREQ(expanded["src"]["info"]["name"].GetString(), "src");
  EXPECT_STREQ(expanded["src"]["status"]["name"].GetString(), "src");

  EXPECT_EQ(Get("/connectors/src").status, 200);
  auto config = Json(Get("/connectors/src/config"));
  EXPECT_STREQ(config["connector.class"].GetString(), "FileStreamSource");
  auto tasks = Json(Get("/connectors/src/tasks"));
  ASSERT_TRUE(tasks.IsArray());
  ASSERT_EQ(tasks.Size(), 1u);
  EXPECT_STREQ(tasks[0]["id"]["connector"].GetString(), "src");
  EXPECT_TRUE(tasks[0]["config"].IsObject());
  ASSERT_TRUE(WaitUntil([&] { return TaskStates("src") == "RUNNING"; }, seconds(20)));

  // PUT: 200 for an existing connector, 201 + Location for a new one.
  const std::string file = dir_.File("src.txt");
  HttpResult updated = Call("PUT", "/connectors/src/config",
                            R"({"connector.class":"FileStreamSource","topic":"lines","file":")" +
                                file + R"(","batch.size":"50"})");
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(updated.headers.count("location"), 0u);
  EXPECT_STREQ(Json(updated)["config"]["batch.size"].GetString(), "50");
  HttpResult put_new = Call("PUT", "/connectors/other/config", SourceConfig("other", file));
  ASSERT_EQ(put_new.status, 201) << put_new.body;
  EXPECT_EQ(put_new.headers["location"], "/connectors/other");

  // PATCH: null removes a key, other keys merge.
  HttpResult patched =
      Call("PATCH", "/connectors/src/config", R"({"batch.size":null,"topic":"lines"})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_FALSE(Json(patched)["config"].HasMember("batch.size"));
  ExpectError(Call("PATCH", "/connectors/nope/config", "{}"), 404, "Connector nope not found");

  ASSERT_EQ(Call("DELETE", "/connectors/other").status, 204);
  ExpectError(Call("DELETE", "/connectors/other"), 404, "Connector other not found");
  EXPECT_EQ(Get("/connectors").body, R"(["src"])");
}

TEST_F(RestApiTest, PauseResumeStopAndRestart) {
  ASSERT_EQ(CreateSource("s").status, 201);
  ASSERT_TRUE(WaitUntil([&] { return TaskStates("s") == "RUNNING"; }, seconds(20)));

  HttpResult paused = Call("PUT", "/connectors/s/pause");
  EXPECT_EQ(paused.status, 202);
  EXPECT_EQ(paused.body, "");
  EXPECT_EQ(Call("PUT", "/connectors/s/pause").status, 202);  // idempotent
  ASSERT_TRUE(WaitUntil(
      [&] { return ConnectorState("s") == "PAUSED" && TaskStates("s") == "PAUSED"; }, seconds(20)));
  EXPECT_EQ(Call("PUT", "/connectors/s/resume").status, 202);
  ASSERT_TRUE(
      WaitUntil([&] { return ConnectorState("s") == "RUNNING" && TaskStates("s") == "RUNNING"; },
                seconds(20)));

  EXPECT_EQ(Call("PUT", "/connectors/s/stop").status, 204);
  EXPECT_EQ(ConnectorState("s"), "STOPPED");
  EXPECT_EQ(TaskStates("s"), "");
  EXPECT_EQ(Get("/connectors/s/tasks").body, "[]");
  EXPECT_EQ(Call("PUT", "/connectors/s/resume").status, 202);  // resumes a STOPPED one too
  ASSERT_TRUE(WaitUntil([&] { return TaskStates("s") == "RUNNING"; }, seconds(20)));

  HttpResult plain = Call("POST", "/connectors/s/restart");
  EXPECT_EQ(plain.status, 204);
  EXPECT_EQ(plain.body, "");
  HttpResult with_tasks = Call("POST", "/connectors/s/restart?includeTasks=true");
  ASSERT_EQ(with_tasks.status, 202) << with_tasks.body;
  auto plan = Json(with_tasks);
  EXPECT_STREQ(plan["connector"]["state"].GetString(), "RESTARTING");
  EXPECT_STREQ(plan["tasks"][0]["state"].GetString(), "RESTARTING");
  auto only_failed = Json(Call("POST", "/connectors/s/restart?includeTasks=true&onlyFailed=true"));
  EXPECT_STREQ(only_failed["connector"]["state"].GetString(), "RUNNING");
  ASSERT_TRUE(WaitUntil([&] { return TaskStates("s") == "RUNNING"; }, seconds(20)));
  EXPECT_EQ(Call("POST", "/connectors/s/tasks/0/restart").status, 204);
  ExpectError(Call("POST", "/connectors/s/tasks/7/restart"), 404, "Unknown task: s-7");
  ExpectError(Call("POST", "/connectors/x/tasks/0/restart"), 404, "Unknown connector: x");
  ExpectError(Call("POST", "/connectors/x/restart"), 404, "Unknown connector: x");
  ExpectError(Call("PUT", "/connectors/x/pause"), 404, "Unknown connector x");
  ExpectError(Call("PUT", "/connectors/x/resume"), 404, "Unknown connector x");
  ExpectError(Call("PUT", "/connectors/x/stop"), 404, "Unknown connector x");
}

TEST_F(RestApiTest, InitialStateAndErrorBodies) {
  ASSERT_EQ(CreateSource("p", R"(,"initial_state":"paused")").status, 201);
  EXPECT_EQ(ConnectorState("p"), "PAUSED");
  ASSERT_EQ(CreateSource("st", R"(,"initial_state":"STOPPED")").status, 201);
  EXPECT_EQ(ConnectorState("st"), "STOPPED");
  EXPECT_EQ(TaskStates("st"), "");

  ExpectError(Call("POST", "/connectors",
                   R"({"name":"a","config":{"name":"b","connector.class":"FileStreamSource"}})"),
              400, "Connector name configuration (b) doesn't match connector name in the URL (a)");
  HttpResult invalid = Call("POST", "/connectors",
                            R"({"name":"bad","config":{"connector.class":"FileStreamSink"}})");
  EXPECT_EQ(invalid.status, 400);
  EXPECT_EQ(std::string(Json(invalid)["message"].GetString())
                .rfind("Connector configuration is invalid and contains the following", 0),
            0u);
  EXPECT_EQ(Call("POST", "/connectors", "{not json").status, 400);
  EXPECT_EQ(Call("POST", "/connectors", R"({"name":"x","config":{"a":{}}})").status, 400);
  EXPECT_EQ(Get("/connectors").body, R"(["p","st"])");  // nothing half-created

  ExpectError(Get("/connectors/nope"), 404, "Connector nope not found");
  ExpectError(Get("/connectors/nope/config"), 404, "Connector nope not found");
  ExpectError(Get("/connectors/nope/tasks"), 404, "Connector nope not found");
  ExpectError(Get("/connectors/nope/status"), 404, "No status found for connector nope");
  ExpectError(Get("/connectors/nope/tasks/0/status"), 404, "No status found for task nope-0");
  ExpectError(Get("/no/such/path"), 404, "HTTP 404 Not Found");
  ExpectError(Call("DELETE", "/connectors"), 405, "HTTP 405 Method Not Allowed");
}

TEST_F(RestApiTest, TopicTrackingListsResetsAndPersistsActiveTopics) {
  ASSERT_TRUE(broker_->CreateTopic("other", 1).ok());
  WriteFile(dir_.File("src.txt"), "a\nb\n");
  ASSERT_EQ(CreateSource("src").status, 201);
  // Nothing used yet, and an unknown connector: 200 with an empty list, as Connect answers.
  EXPECT_EQ(Get("/connectors/nope/topics").body, R"({"nope":{"topics":[]}})");
  ASSERT_TRUE(WaitUntil(
      [&] { return Get("/connectors/src/topics").body == R"({"src":{"topics":["lines"]}})"; },
      seconds(30)))
      << Get("/connectors/src/topics").body;

  const std::string sink = R"({"name":"snk","config":{"connector.class":"FileStreamSink",)"
                           R"("topics":"lines,other","file":")" +
                           dir_.File("out.txt") + R"("}})";
  ASSERT_EQ(Call("POST", "/connectors", sink).status, 201);
  // Subscribed to two topics, but only records of "lines" arrive: only it is active.
  ASSERT_TRUE(WaitUntil(
      [&] { return Get("/connectors/snk/topics").body == R"({"snk":{"topics":["lines"]}})"; },
      seconds(30)))
      << Get("/connectors/snk/topics").body;
  ASSERT_TRUE(WaitUntil([&] { return CountLines(dir_.File("out.txt")) == 2; }, seconds(30)));

  HttpResult reset = Call("PUT", "/connectors/snk/topics/reset");
  EXPECT_EQ(reset.status, 202);
  EXPECT_EQ(reset.body, "");
  EXPECT_EQ(Get("/connectors/snk/topics").body, R"({"snk":{"topics":[]}})");
  EXPECT_EQ(Call("PUT", "/connectors/nope/topics/reset").status, 202);

  // Kept across a restart (reset included); nothing new is produced or consumed meanwhile.
  StopWorker();
  StartWorker();
  EXPECT_EQ(Get("/connectors/src/topics").body, R"({"src":{"topics":["lines"]}})");
  EXPECT_EQ(Get("/connectors/snk/topics").body, R"({"snk":{"topics":[]}})");
  EXPECT_EQ(ReadFile(offsets_ + ".topics.json").find("snk"), std::string::npos);

  // A deleted connector's topics go with it; a new connector of the same name starts empty.
  ASSERT_EQ(Call("DELETE", "/connectors/src").status, 204);
  EXPECT_EQ(Get("/connectors/src/topics").body, R"({"src":{"topics":[]}})");
}

TEST_F(RestApiTest, TopicTrackingCanBeDisabled) {
  RestartWith({{"topic.tracking.allow.reset", "false"}});
  EXPECT_EQ(Get("/connectors/x/topics").status, 200);
  ExpectError(Call("PUT", "/connectors/x/topics/reset"), 403, "Topic tracking reset is disabled.");

  RestartWith({{"topic.tracking.enable", "FALSE"}, {"topic.tracking.allow.reset", "true"}});
  ExpectError(Get("/connectors/x/topics"), 403, "Topic tracking is disabled.");
  ExpectError(Call("PUT", "/connectors/x/topics/reset"), 403, "Topic tracking is disabled.");
  // Nothing is recorded while tracking is off.
  WriteFile(dir_.File("quiet.txt"), "a\n");
  ASSERT_EQ(CreateSource("quiet").status, 201);
  ASSERT_TRUE(WaitUntil([&] { return ReadFile(offsets_).find("quiet") != std::string::npos; },
                        seconds(30)));
  RestartWith({{"topic.tracking.enable", "true"}});
  EXPECT_EQ(Get("/connectors/quiet/topics").body, R"({"quiet":{"topics":[]}})");

  StopWorker();
  worker_props_["topic.tracking.enable"] = "maybe";
  WriteProperties(dir_.File("worker.properties"), worker_props_);
  Process bad({TributaryBinary(), "standalone", dir_.File("worker.properties")},
              dir_.File("bad.log"));
  EXPECT_EQ(bad.Wait(seconds(30)), 1);
  EXPECT_NE(ReadFile(dir_.File("bad.log"))
                .find("Invalid value maybe for configuration topic.tracking.enable"),
            std::string::npos);
}

TEST_F(RestApiTest, PluginsAndValidate) {
  auto plugins = Json(Get("/connector-plugins"));
  ASSERT_TRUE(plugins.IsArray());
  std::set<std::string> types;
  for (const auto& p : plugins.GetArray()) types.insert(p["type"].GetString());
  EXPECT_EQ(types, (std::set<std::string>{"sink", "source"}));
  auto all = Json(Get("/connector-plugins?connectorsOnly=false"));
  bool has_converter = false;
  for (const auto& p : all.GetArray()) has_converter |= p["type"] == "converter";
  EXPECT_TRUE(has_converter);

  auto keys = Json(Get("/connector-plugins/FileStreamSource/config"));
  ASSERT_TRUE(keys.IsArray());
  std::set<std::string> names;
  for (const auto& k : keys.GetArray()) names.insert(k["name"].GetString());
  EXPECT_TRUE(names.count("topic"));
  ExpectError(Get("/connector-plugins/NoSuch/config"), 404, "Unknown plugin NoSuch.");

  // Kafka's quickstart FileStream sink config, unchanged.
  HttpResult valid =
      Call("PUT", "/connector-plugins/FileStreamSinkConnector/config/validate",
           R"({"connector.class":"org.apache.kafka.connect.file.FileStreamSinkConnector",)"
           R"("tasks.max":"1","file":"test.sink.txt","topics":"connect-test","name":"q"})");
  ASSERT_EQ(valid.status, 200) << valid.body;
  auto infos = Json(valid);
  EXPECT_EQ(infos["error_count"].GetInt(), 0);
  EXPECT_STREQ(infos["name"].GetString(), "org.apache.kafka.connect.file.FileStreamSinkConnector");
  HttpResult invalid = Call("PUT", "/connector-plugins/FileStreamSink/config/validate",
                            R"({"connector.class":"FileStreamSink","tasks.max":"0"})");
  ASSERT_EQ(invalid.status, 200);
  EXPECT_GE(Json(invalid)["error_count"].GetInt(), 2);  // tasks.max and topics
  ExpectError(Call("PUT", "/connector-plugins/FileStreamSource/config/validate",
                   R"({"connector.class":"FileStreamSink"})"),
              400,
              "Included connector type FileStreamSink does not match request type "
              "FileStreamSource");
  ExpectError(Call("PUT", "/connector-plugins/FileStreamSource/config/validate", "{}"), 400,
              "Connector config contains no connector type");
}

TEST_F(RestApiTest, SourceOffsetsCanBeReadAlteredAndReset) {
  const std::string input = dir_.File("off.txt");
  WriteFile(input, "a\nb\nc\n");
  ASSERT_EQ(CreateSource("off").status, 201);
  ASSERT_TRUE(WaitUntil(
      [&] {
        return Get("/connectors/off/offsets").body.find("\"position\":6") != std::string::npos;
      },
      seconds(30)))
      << Get("/connectors/off/offsets").body;
  auto offsets = Json(Get("/connectors/off/offsets"));
  ASSERT_EQ(offsets["offsets"].Size(), 1u);
  EXPECT_STREQ(offsets["offsets"][0]["partition"]["filename"].GetString(), input.c_str());

  const std::string alter =
      R"({"offsets":[{"partition":{"filename":")" + input + R"("},"offset":{"position":2}}]})";
  ExpectError(Call("PATCH", "/connectors/off/offsets", alter), 400,
              "Connectors must be in the STOPPED state before their offsets can be modified. "
              "This can be done for the specified connector by issuing a 'PUT' request to the "
              "'/connectors/off/stop' endpoint");
  ASSERT_EQ(Call("PUT", "/connectors/off/stop").status, 204);
  ExpectError(Call("PATCH", "/connectors/off/offsets", R"({"offsets":[]})"), 400,
              "Partitions / offsets need to be provided for an alter offsets request");
  HttpResult altered = Call("PATCH", "/connectors/off/offsets", alter);
  ASSERT_EQ(altered.status, 200) << altered.body;
  EXPECT_EQ(std::string(Json(altered)["message"].GetString())
                .rfind("The Connect framework-managed offsets for this connector have been altered "
                       "successfully.",
                       0),
            0u);
  EXPECT_NE(Get("/connectors/off/offsets").body.find("\"position\":2"), std::string::npos);

  HttpResult reset = Call("DELETE", "/connectors/off/offsets");
  ASSERT_EQ(reset.status, 200) << reset.body;
  EXPECT_EQ(Get("/connectors/off/offsets").body, R"({"offsets":[]})");
  ExpectError(Get("/connectors/none/offsets"), 404, "Connector none not found");

  // A resumed connector continues from the stored offsets: after the reset it reads from 0.
  ASSERT_EQ(Call("PUT", "/connectors/off/resume").status, 202);
  ASSERT_TRUE(WaitUntil(
      [&] {
        return Get("/connectors/off/offsets").body.find("\"position\":6") != std::string::npos;
      },
      seconds(30)));
}

TEST_F(RestApiTest, LoggersChangeLevelsLive) {
  auto loggers = Json(Get("/admin/loggers"));
  ASSERT_TRUE(loggers.HasMember("root"));
  EXPECT_STREQ(loggers["root"]["level"].GetString(), "INFO");
  HttpResult set = Call("PUT", "/admin/loggers/root", R"({"level":"debug"})");
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_NE(set.body.find("\"root\""), std::string::npos);
  auto root = Json(Get("/admin/loggers/root"));
  EXPECT_STREQ(root["level"].GetString(), "DEBUG");
  EXPECT_TRUE(root["last_modified"].IsInt64());
  ExpectError(Call("PUT", "/admin/loggers/root", R"({"level":"LOUD"})"), 404,
              "invalid log level 'LOUD'.");
  ExpectError(Call("PUT", "/admin/loggers/root", "{}"), 400,
              "Desired 'level' parameter was not specified in request.");
  ExpectError(Get("/admin/loggers/no.such"), 404, "Logger no.such not found.");
}

TEST_F(RestApiTest, RestMadeConnectorsSurviveRestart) {
  ASSERT_EQ(CreateSource("keep").status, 201);
  ASSERT_EQ(CreateSource("paused").status, 201);
  ASSERT_EQ(CreateSource("stopped").status, 201);
  ASSERT_EQ(CreateSource("gone").status, 201);
  ASSERT_EQ(Call("PATCH", "/connectors/keep/config", R"({"batch.size":"7"})").status, 200);
  ASSERT_EQ(Call("PUT", "/connectors/paused/pause").status, 202);
  ASSERT_EQ(Call("PUT", "/connectors/stopped/stop").status, 204);
  ASSERT_EQ(Call("DELETE", "/connectors/gone").status, 204);

  StopWorker();
  StartWorker();
  EXPECT_EQ(Get("/connectors").body, R"(["keep","paused","stopped"])");
  EXPECT_STREQ(Json(Get("/connectors/keep/config"))["batch.size"].GetString(), "7");
  EXPECT_EQ(ConnectorState("keep"), "RUNNING");
  EXPECT_EQ(ConnectorState("paused"), "PAUSED");
  EXPECT_EQ(ConnectorState("stopped"), "STOPPED");
}

TEST_F(RestApiTest, ConcurrentClientsLeaveConsistentState) {
  constexpr int kClients = 4;
  constexpr int kRounds = 5;
  std::atomic<int> unexpected{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int round = 0; round < kRounds; ++round) {
        const std::string name = "c" + std::to_string(c) + "-" + std::to_string(round);
        if (CreateSource(name).status != 201) ++unexpected;
        if (Call("PUT", "/connectors/" + name + "/pause").status != 202) ++unexpected;
        if (Call("PATCH", "/connectors/" + name + "/config", R"({"batch.size":"9"})").status !=
            200) {
          ++unexpected;
        }
        // Everyone races on one shared name: exactly one create wins per absence.
        int shared = CreateSource("shared").status;
        if (shared != 201 && shared != 409) ++unexpected;
        if (round % 2 == 1 && Call("DELETE", "/connectors/" + name).status != 204) ++unexpected;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(unexpected.load(), 0);
  auto names = Json(Get("/connectors"));
  std::set<std::string> got;
  for (const auto& n : names.GetArray()) got.insert(n.GetString());
  std::set<std::string> want{"shared"};
  for (int c = 0; c < kClients; ++c) {
    for (int round = 0; round < kRounds; round += 2) {
      want.insert("c" + std::to_string(c) + "-" + std::to_string(round));
    }
  }
  EXPECT_EQ(got, want);
  for (const auto& name : want) {
    if (name == "shared") continue;
    EXPECT_EQ(ConnectorState(name), "PAUSED") << name;
    EXPECT_STREQ(Json(Get("/connectors/" + name + "/config"))["batch.size"].GetString(), "9");
  }
}

TEST_F(RestApiTest, TransformAndErrorKeysAreValidatedBeforeAnythingRuns) {
  const std::string file = dir_.File("t.txt");
  WriteFile(file, "");
  const std::string base =
      R"("connector.class":"FileStreamSource","topic":"lines","file":")" + file + R"(")";
  // validate: the unknown transform class is an error on its own key.
  HttpResult validated = Call(
      "PUT", "/connector-plugins/FileStreamSource/config/validate",
      "{" + base + R"(,"name":"t","transforms":"bad","transforms.bad.type":"NoSuchTransform",)" +
          R"("errors.tolerance":"sometimes"})");
  ASSERT_EQ(validated.status, 200) << validated.body;
  auto infos = Json(validated);
  EXPECT_EQ(infos["error_count"].GetInt(), 2) << validated.body;
  std::map<std::string, std::string> errors;
  for (const auto& config : infos["configs"].GetArray()) {
    if (config["value"]["errors"].Size() > 0) {
      errors[config["value"]["name"].GetString()] = config["value"]["errors"][0].GetString();
    }
  }
  EXPECT_EQ(errors["transforms.bad.type"],
            "Invalid value NoSuchTransform for configuration transforms.bad.type: Class "
            "NoSuchTransform could not be found.");
  EXPECT_NE(errors["errors.tolerance"].find("sometimes"), std::string::npos);

  // create / PUT / PATCH: 400 with Connect's message, nothing created or changed.
  ExpectError(Call("POST", "/connectors",
                   R"({"name":"t","config":{)" + base +
                       R"(,"transforms":"bad","transforms.bad.type":"NoSuchTransform"}})"),
              400,
              "Connector configuration is invalid and contains the following 1 error(s):\n"
              "transforms.bad.type: Invalid value NoSuchTransform for configuration "
              "transforms.bad.type: Class NoSuchTransform could not be found.\n"
              "You can also find the above list of errors at the endpoint "
              "`/connector-plugins/{connectorType}/config/validate`");
  EXPECT_EQ(Get("/connectors").body, "[]");
  HttpResult bad_predicate =
      Call("PUT", "/connectors/t/config",
           "{" + base +
               R"(,"transforms":"r","transforms.r.type":"RegexRouter","transforms.r.regex":"x",)"
               R"("transforms.r.replacement":"y","transforms.r.predicate":"nope"})");
  EXPECT_EQ(bad_predicate.status, 400) << bad_predicate.body;
  EXPECT_NE(bad_predicate.body.find("transforms.r.predicate: Invalid value nope"),
            std::string::npos)
      << bad_predicate.body;
  EXPECT_EQ(Get("/connectors").body, "[]");

  ASSERT_EQ(Call("POST", "/connectors", R"({"name":"t","config":{)" + base + "}}").status, 201);
  HttpResult patched = Call("PATCH", "/connectors/t/config", R"({"errors.retry.timeout":"soon"})");
  EXPECT_EQ(patched.status, 400) << patched.body;
  EXPECT_NE(patched.body.find("errors.retry.timeout"), std::string::npos) << patched.body;
  EXPECT_FALSE(Json(Get("/connectors/t/config")).HasMember("errors.retry.timeout"));

  // A sink may not consume its own dead-letter queue.
  HttpResult dlq =
      Call("PUT", "/connector-plugins/FileStreamSink/config/validate",
           R"({"name":"d","connector.class":"FileStreamSink","file":"x","topics":"a,dlq",)"
           R"("errors.tolerance":"all","errors.deadletterqueue.topic.name":"dlq"})");
  ASSERT_EQ(dlq.status, 200);
  EXPECT_EQ(Json(dlq)["error_count"].GetInt(), 1) << dlq.body;
  EXPECT_NE(dlq.body.find("The DLQ topic 'dlq' may not be included in the list of topics "
                          "('topics=a,dlq') consumed by the connector"),
            std::string::npos)
      << dlq.body;
}

TEST_F(RestApiTest, SinkOffsetsCanBeReadAlteredAndReset) {
  const std::string input = dir_.File("in.txt");
  const std::string output = dir_.File("out.txt");
  WriteFile(input, "r0\nr1\nr2\nr3\nr4\n");
  ASSERT_EQ(CreateSource("in").status, 201);
  auto lines = [&] {
    if (!std::filesystem::exists(output)) return size_t{0};
    std::string text = ReadFile(output);
    return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
  };
  ASSERT_EQ(Call("POST", "/connectors",
                 R"({"name":"out","config":{"connector.class":"FileStreamSink","topics":"lines",)"
                 // A short session: the embedded broker lets a group that a member left take
                 // (session timeout - 1 s) before a new member can join.
                 R"("consumer.override.session.timeout.ms":"6000",)"
                 R"("consumer.override.heartbeat.interval.ms":"1000",)"
                 R"("file":")" +
                     output + R"("}})")
                .status,
            201);
  ASSERT_TRUE(WaitUntil([&] { return lines() == 5; }, seconds(30)))
      << lines() << Get("/connectors/out/status").body;
  const std::string committed_5 =
      R"({"offsets":[{"partition":{"kafka_topic":"lines","kafka_partition":0},)"
      R"("offset":{"kafka_offset":5}}]})";
  ASSERT_TRUE(
      WaitUntil([&] { return Get("/connectors/out/offsets").body == committed_5; }, seconds(30)))
      << Get("/connectors/out/offsets").body;

  const std::string alter =
      R"({"offsets":[{"partition":{"kafka_topic":"lines","kafka_partition":"0"},)"
      R"("offset":{"kafka_offset":"2"}}]})";
  ExpectError(Call("PATCH", "/connectors/out/offsets", alter), 400,
              "Connectors must be in the STOPPED state before their offsets can be modified. "
              "This can be done for the specified connector by issuing a 'PUT' request to the "
              "'/connectors/out/stop' endpoint");
  ASSERT_EQ(Call("PUT", "/connectors/out/stop").status, 204);
  const std::string p = R"({"offsets":[{"partition":)";
  ExpectError(Call("PATCH", "/connectors/out/offsets", p + R"(null,"offset":null}]})"), 400,
              "The partition for a sink connector offset cannot be null or missing");
  ExpectError(Call("PATCH", "/connectors/out/offsets", p + R"({},"offset":null}]})"), 400,
              "The partition for a sink connector offset must contain the keys 'kafka_topic' "
              "and 'kafka_partition'");
  ExpectError(Call("PATCH", "/connectors/out/offsets",
                   p + R"({"kafka_topic":null,"kafka_partition":0},"offset":null}]})"),
              400, "Kafka topic names must be valid strings and may not be null");
  ExpectError(Call("PATCH", "/connectors/out/offsets",
                   p + R"({"kafka_topic":"lines","kafka_partition":"x"},"offset":null}]})"),
              400,
              "Failed to parse the following Kafka partition value in the provided offsets: 'x'. "
              "Partition values for sink connectors need to be integers.");
  ExpectError(Call("PATCH", "/connectors/out/offsets",
                   p + R"({"kafka_topic":"lines","kafka_partition":0},"offset":{}}]})"),
              400,
              "The offset for a sink connector should either be null or contain the key "
              "'kafka_offset'");
  ExpectError(
      Call("PATCH", "/connectors/out/offsets",
           p + R"({"kafka_topic":"lines","kafka_partition":0},"offset":{"kafka_offset":"y"}}]})"),
      400,
      "Failed to parse the following Kafka offset value in the provided offsets: 'y'. Offset "
      "values for sink connectors need to be integers.");

  HttpResult altered = Call("PATCH", "/connectors/out/offsets", alter);
  ASSERT_EQ(altered.status, 200) << altered.body;
  EXPECT_EQ(std::string(Json(altered)["message"].GetString())
                .rfind("The Connect framework-managed offsets for this connector have been altered "
                       "successfully.",
                       0),
            0u);
  EXPECT_EQ(Get("/connectors/out/offsets").body,
            R"({"offsets":[{"partition":{"kafka_topic":"lines","kafka_partition":0},)"
            R"("offset":{"kafka_offset":2}}]})");
  // Resumed, the sink re-reads from offset 2: r2, r3, r4 arrive a second time.
  ASSERT_EQ(Call("PUT", "/connectors/out/resume").status, 202);
  ASSERT_TRUE(WaitUntil([&] { return lines() == 8; }, seconds(30))) << lines();
  EXPECT_EQ(ReadFile(output), "r0\nr1\nr2\nr3\nr4\nr2\nr3\nr4\n");
  ASSERT_TRUE(
      WaitUntil([&] { return Get("/connectors/out/offsets").body == committed_5; }, seconds(30)));

  // DELETE resets to the earliest offset: everything is read again.
  ASSERT_EQ(Call("PUT", "/connectors/out/stop").status, 204);
  HttpResult reset = Call("DELETE", "/connectors/out/offsets");
  ASSERT_EQ(reset.status, 200) << reset.body;
  EXPECT_EQ(
      std::string(Json(reset)["message"].GetString())
          .rfind("The Connect framework-managed offsets for this connector have been reset", 0),
      0u);
  ASSERT_EQ(Call("PUT", "/connectors/out/resume").status, 202);
  ASSERT_TRUE(WaitUntil([&] { return lines() == 13; }, seconds(30))) << lines();
}

TEST_F(RestApiTest, OversizedBodyIs413AndTheWorkerKeepsServing) {
  // The server answers as soon as the declared length is over the 10 MiB limit, before any body.
  rest::testing::HttpTestClient client(port_);
  ASSERT_TRUE(client.connected());
  HttpResult r = client.SendRaw(
      "POST /connectors HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
      "Content-Length: 11534336\r\n\r\n");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(Json(r)["error_code"].GetInt(), 413);
  EXPECT_EQ(Get("/connectors").status, 200);
}

TEST_F(RestApiTest, SlowClientDoesNotBlockOthers) {
  // A client that sends half a request line and then nothing holds its connection open...
  int slow = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(slow, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port_);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(slow, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  const char partial[] = "GET /connectors HTTP/1.1\r\nHo";
  ASSERT_EQ(::send(slow, partial, sizeof(partial) - 1, 0),
            static_cast<ssize_t>(sizeof(partial) - 1));
  // ...while every other client is answered promptly.
  for (int i = 0; i < 20; ++i) {
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(Get("/connectors").status, 200);
    EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(2));
  }
  ::close(slow);
}

TEST_F(RestApiTest, FiftyConcurrentClientsAreAllAnswered) {
  ASSERT_EQ(CreateSource("busy").status, 201);
  std::atomic<int> answered{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 50; ++c) {
    clients.emplace_back([&] {
      for (int i = 0; i < 4; ++i) {
        if (Get("/connectors/busy/status").status == 200) ++answered;
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(answered.load(), 200);
  EXPECT_EQ(Get("/health").status, 200);
}

TEST_F(RestApiTest, PublishedConfigsAreAcceptedUnchanged) {
  // config/connect-file-source.properties and connect-file-sink.properties from Kafka's quickstart,
  // as JSON, a JDBC sink config as Confluent's documentation shows it and Debezium's tutorial
  // PostgreSQL connector (validated only: its database does not exist here). Only the file paths
  // point into the test's directory, so that the worker writes nowhere else.
  const std::string file_source =
      R"({"name":"local-file-source","connector.class":"FileStreamSource","tasks.max":"1",)"
      R"("file":")" +
      dir_.File("test.txt") + R"(","topic":"connect-test"})";
  const std::string file_sink =
      R"({"name":"local-file-sink","connector.class":"FileStreamSink","tasks.max":"1",)"
      R"("file":")" +
      dir_.File("test.sink.txt") + R"(","topics":"connect-test"})";
  const std::string jdbc_sink =
      R"({"name":"jdbc-sink","connector.class":"io.confluent.connect.jdbc.JdbcSinkConnector",)"
      R"("tasks.max":"1","topics":"orders","connection.url":"jdbc:postgresql://localhost:5432/shop",)"
      R"("connection.user":"postgres","connection.password":"secret","auto.create":"true",)"
      R"("insert.mode":"upsert","pk.mode":"record_value","pk.fields":"id"})";
  // Debezium's PostgreSQL tutorial connector.
  const std::string debezium =
      R"({"name":"inventory-connector",)"
      R"("connector.class":"io.debezium.connector.postgresql.PostgresConnector","tasks.max":"1",)"
      R"("database.hostname":"192.168.99.100","database.port":"5432","database.user":"postgres",)"
      R"("database.password":"postgres","database.dbname":"postgres","topic.prefix":"fulfillment",)"
      R"("table.include.list":"public.inventory"})";
  for (const auto& [plugin, config] : std::vector<std::pair<std::string, std::string>>{
           {"FileStreamSourceConnector", file_source},
           {"FileStreamSinkConnector", file_sink},
           {"io.confluent.connect.jdbc.JdbcSinkConnector", jdbc_sink},
           {"io.debezium.connector.postgresql.PostgresConnector", debezium}}) {
    HttpResult validated = Call("PUT", "/connector-plugins/" + plugin + "/config/validate", config);
    ASSERT_EQ(validated.status, 200) << validated.body;
    EXPECT_EQ(Json(validated)["error_count"].GetInt(), 0) << validated.body;
  }
  for (const std::string& config : {file_source, file_sink}) {
    rapidjson::Document doc;
    doc.Parse(config.c_str());
    const std::string name = doc["name"].GetString();
    HttpResult created =
        Call("POST", "/connectors", R"({"name":")" + name + R"(","config":)" + config + "}");
    EXPECT_EQ(created.status, 201) << created.body;
    EXPECT_EQ(Call("DELETE", "/connectors/" + name).status, 204);
  }
}

}  // namespace
}  // namespace tributary::testing
