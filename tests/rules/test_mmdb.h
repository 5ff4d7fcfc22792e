// The geoip test database, built once per test process by tests/rules/make_test_mmdb.pl
// (its header lists the networks) into the test temp dir, and removed at exit. Needs
// /usr/bin/perl and libmaxmind-db-writer-perl.
#ifndef WARDEN_TESTS_RULES_TEST_MMDB_H_
#define WARDEN_TESTS_RULES_TEST_MMDB_H_

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "gtest/gtest.h"

namespace warden::rules {

// The path of the database; "" (after a test failure) when it cannot be built.
inline const std::string& TestMmdbPath() {
  struct Database {
    Database()
        : path(::testing::TempDir() + "warden-test-" + std::to_string(::getpid()) + ".mmdb") {
      const std::string command = std::string("/usr/bin/perl ") + WARDEN_SOURCE_DIR +
                                  "/tests/rules/make_test_mmdb.pl " + path;
      if (std::system(command.c_str()) != 0) {
        ADD_FAILURE() << "cannot build the test geoip database: " << command;
        path.clear();
      }
    }
    ~Database() {
      if (!path.empty()) std::remove(path.c_str());
    }
    std::string path;
  };
  static Database database;
  return database.path;
}

}  // namespace warden::rules

#endif  // WARDEN_TESTS_RULES_TEST_MMDB_H_
