#include "tests/pg/postgres_server.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <filesystem>

namespace tributary::testing {
namespace {

TEST(PostgresServerTest, StartsQueriesRestartsAndStops) {
  auto server = PostgresServer::Start();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  auto level = (*server)->QueryValue("SHOW wal_level");
  ASSERT_TRUE(level.ok()) << level.status().ToString();
  EXPECT_EQ(*level, "logical");
  EXPECT_EQ(*(*server)->QueryValue("SELECT current_database()"), "test");
  ASSERT_TRUE((*server)->QueryValue("CREATE TABLE t (x int); INSERT INTO t VALUES (7)").ok());

  ASSERT_TRUE((*server)->Stop().ok());
  EXPECT_FALSE((*server)->QueryValue("SELECT 1").ok());
  ASSERT_TRUE((*server)->StartAgain().ok());
  EXPECT_EQ(*(*server)->QueryValue("SELECT x FROM t"), "7");  // data survives a restart
  ASSERT_TRUE((*server)->Restart().ok());
  EXPECT_EQ(*(*server)->QueryValue("SELECT x FROM t"), "7");
  std::string dir = (*server)->dir();
  server->reset();
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(PostgresServerTest, RejectsAWrongPassword) {
  auto server = PostgresServer::Start();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  std::string bad = "host=127.0.0.1 port=" + std::to_string((*server)->port()) +
                    " dbname=test user=tributary password=wrong";
  PGconn* conn = PQconnectdb(bad.c_str());
  EXPECT_NE(PQstatus(conn), CONNECTION_OK);
  PQfinish(conn);
}

}  // namespace
}  // namespace tributary::testing
