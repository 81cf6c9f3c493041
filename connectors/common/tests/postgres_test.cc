#include "connectors/common/postgres.h"

#include <gtest/gtest.h>

namespace tributary::connectors::pg {
namespace {

std::string Conninfo(std::string_view url, const std::string& user = {},
                     const std::string& password = {}) {
  auto r = ToLibpqConninfo(url, user, password);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : "";
}

TEST(ConninfoTest, TranslatesJdbcUrls) {
  EXPECT_EQ(Conninfo("jdbc:postgresql://db.example:6543/shop?user=app&password=p%40ss&sslmode="
                     "require&reWriteBatchedInserts=true"),
            "dbname='shop' host='db.example' password='p@ss' port='6543' sslmode='require' "
            "user='app'");
  EXPECT_EQ(Conninfo("jdbc:postgresql://h/db"), "dbname='db' host='h' port='5432'");
  EXPECT_EQ(Conninfo("jdbc:postgresql://a:1,b:2/db?ApplicationName=x&currentSchema=s"),
            "application_name='x' dbname='db' host='a,b' options='-c search_path=s' port='1,2'");
  EXPECT_EQ(Conninfo("jdbc:postgresql://[::1]:5433/db"), "dbname='db' host='::1' port='5433'");
  EXPECT_EQ(Conninfo("jdbc:postgresql:mydb"), "dbname='mydb'");
}

TEST(ConninfoTest, AcceptsLibpqUrisAndKeywordStrings) {
  EXPECT_EQ(Conninfo("postgresql://u:pw@h:7/db?sslmode=disable"),
            "dbname='db' host='h' password='pw' port='7' sslmode='disable' user='u'");
  EXPECT_EQ(Conninfo("host=h dbname=d user=u"), "dbname='d' host='h' user='u'");
}

TEST(ConninfoTest, ConnectionUserAndPasswordOverrideAndAreEscaped) {
  EXPECT_EQ(Conninfo("jdbc:postgresql://h/db?user=a", "b", "it's\\"),
            "dbname='db' host='h' password='it\\'s\\\\' port='5432' user='b'");
}

TEST(ConninfoTest, RejectsOtherDatabasesAndGarbage) {
  auto mysql = ToLibpqConninfo("jdbc:mysql://h/db");
  EXPECT_EQ(mysql.status().code(), StatusCode::kInvalidConfig);
  EXPECT_EQ(ToLibpqConninfo("nonsense without equals").status().code(), StatusCode::kInvalidConfig);
  EXPECT_EQ(ToLibpqConninfo("jdbc:postgresql://h:abc/db").status().code(),
            StatusCode::kInvalidConfig);
}

TEST(IdentifierTest, QuotesAndParsesTableNames) {
  EXPECT_EQ(QuoteIdentifier("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(QuoteLiteral("it's"), "'it''s'");
  EXPECT_EQ(TableId::Parse("s.t").Sql(true), "\"s\".\"t\"");
  EXPECT_EQ(TableId::Parse("t").Sql(false), "t");
  EXPECT_EQ(TableId::Parse("\"a.b\"").table, "a.b");
  EXPECT_EQ(TableId::Parse("db.s.t").schema, "s");
}

}  // namespace
}  // namespace tributary::connectors::pg
