// PostgreSQL transactions as rowshift runs them: BEGIN travels with the transaction's
// first statement and COMMIT with its last (db/postgres_database.cpp), so these tests
// pin down what that must not change: atomicity, refusing to commit after a failed
// statement, recovering an idle connection that was cut, and never running the rest of
// a transaction in autocommit mode after its connection was lost.
#include <gtest/gtest.h>

#include "db/database.hpp"
#include "rowshift/error.hpp"
#include "support/backend.hpp"

using namespace rowshift;
using namespace rowshift::testing;

namespace {

class PostgresTransactions : public ::testing::Test {
 protected:
  void SetUp() override {
    url = new_pg_database();
    db = db::open_database(url);
    db->execute_script("CREATE TABLE t (id BIGINT PRIMARY KEY, v TEXT)");
  }
  std::int64_t count(const std::string& where = "TRUE") {
    auto other = db::open_database(url);  // sees only what was committed
    return db::query_row(*other, "SELECT count(*) FROM t WHERE " + where)[0].as_int();
  }
  void cut_other_connections() {
    auto admin = db::open_database(url);
    db::query_all(*admin,
                  "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                  " WHERE datname = current_database() AND pid <> pg_backend_pid()");
  }
  std::string url;
  std::unique_ptr<db::Database> db;
};

}  // namespace

TEST_F(PostgresTransactions, BeginAndCommitTravelWithTheFirstAndLastStatements) {
  db->begin();
  // The server reports the whole message it is running: BEGIN came with this query.
  auto first = db::query_row(*db, "SELECT current_query()")[0].as_text();
  EXPECT_EQ(first.rfind("BEGIN; EXECUTE ", 0), 0u) << first;
  db->execute("INSERT INTO t VALUES (?, ?)", {1, "it's one"});
  db->commit_after("INSERT INTO t VALUES (?, ?)", {2, "two\\ and a\ttab"});
  EXPECT_EQ(count(), 2);
  EXPECT_EQ(db::query_row(*db, "SELECT v FROM t WHERE id = 2")[0].as_text(), "two\\ and a\ttab");
}

TEST_F(PostgresTransactions, ALastStatementThatFailsCommitsNothing) {
  db->begin();
  db->execute("INSERT INTO t VALUES (?, ?)", {1, "a"});
  try {
    db->commit_after("INSERT INTO t VALUES (?, ?)", {1, "duplicate key"});
    FAIL() << "commit_after should have failed";
  } catch (const Error& e) {
    EXPECT_FALSE(e.transient());
    EXPECT_NE(std::string(e.what()).find("23505"), std::string::npos) << e.what();
  }
  EXPECT_EQ(count(), 0);
  db::Transaction tx(*db);  // the connection is usable again
  db->execute("INSERT INTO t VALUES (?, ?)", {3, "c"});
  tx.commit();
  EXPECT_EQ(count(), 1);
  // BEGIN, the statement and COMMIT all in one message, the statement failing.
  db->begin();
  EXPECT_THROW(db->commit_after("INSERT INTO t VALUES (?, ?)", {3, "duplicate key"}), Error);
  db->execute("INSERT INTO t VALUES (?, ?)", {4, "d"});  // autocommit: not inside an aborted block
  EXPECT_EQ(count(), 2);
}

TEST_F(PostgresTransactions, NoCommitAfterAFailedStatement) {
  db->begin();
  db->execute("INSERT INTO t VALUES (?, ?)", {1, "a"});
  EXPECT_THROW(db->execute("INSERT INTO t VALUES (?, ?)", {1, "again"}), Error);
  EXPECT_THROW(db->commit(), Error) << "the server would answer COMMIT with ROLLBACK";
  EXPECT_EQ(count(), 0);
  db->begin();
  db->execute("INSERT INTO t VALUES (?, ?)", {2, "b"});
  db->commit();
  EXPECT_EQ(count(), 1);
}

TEST_F(PostgresTransactions, ASavepointRollbackMakesTheTransactionUsableAgain) {
  db->begin();
  db->execute("INSERT INTO t VALUES (?, ?)", {1, "a"});
  db->savepoint(db::SavepointStep::set, "s");
  EXPECT_THROW(db->execute("INSERT INTO t VALUES (?, ?)", {1, "again"}), Error);
  db->savepoint(db::SavepointStep::roll_back, "s");
  db->execute("INSERT INTO t VALUES (?, ?)", {2, "b"});
  db->commit();
  EXPECT_EQ(count(), 2);
}

TEST_F(PostgresTransactions, AnIdleConnectionCutBeforeTheTransactionIsReplaced) {
  db::query_row(*db, "SELECT 1");
  cut_other_connections();
  db::Transaction tx(*db);
  db->execute("INSERT INTO t VALUES (?, ?)", {1, "a"});
  tx.commit();
  EXPECT_EQ(count(), 1);
}

TEST_F(PostgresTransactions, AConnectionLostMidTransactionFailsEveryLaterStatement) {
  db->begin();
  db->execute("INSERT INTO t VALUES (?, ?)", {1, "a"});
  cut_other_connections();
  try {
    db->execute("INSERT INTO t VALUES (?, ?)", {2, "b"});
    FAIL() << "the connection was cut";
  } catch (const Error& e) {
    EXPECT_TRUE(e.transient()) << e.what();
  }
  // Not run on a new connection in autocommit mode: it belongs to the lost transaction.
  EXPECT_THROW(db->execute("INSERT INTO t VALUES (?, ?)", {3, "c"}), Error);
  EXPECT_THROW(db->commit(), Error);
  db->rollback();
  EXPECT_EQ(count(), 0);
  db->execute("INSERT INTO t VALUES (?, ?)", {4, "d"});  // a new connection, after rollback
  EXPECT_EQ(count("id = 4"), 1);
}

TEST_F(PostgresTransactions, EmptyTransactionsAndCopiesInsideOne) {
  db->begin();
  db->commit();  // nothing was sent, nothing to commit
  db->begin();
  db->rollback();
  db->begin();
  ASSERT_TRUE(db->accepts_copy_text());
  db->copy_text_in("t", {"id", "v"}, "5\tfive\n6\t\\N\n", {});  // BEGIN goes out before the COPY
  db->execute("INSERT INTO t VALUES (?, ?)", {7, "seven"});
  db->rollback();
  EXPECT_EQ(count(), 0);
  db::Transaction tx(*db);
  db->copy_text_in("t", {"id", "v"}, "5\tfive\n6\t\\N\n", {});
  tx.commit();
  EXPECT_EQ(count(), 2);
  EXPECT_EQ(count("v IS NULL"), 1);
}
