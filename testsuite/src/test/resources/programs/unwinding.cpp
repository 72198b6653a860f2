// Checks: unwinding through code reached in every C++ way: exceptions thrown through std::function
// targets, lambdas, virtual calls and a std::sort comparator; caught by base class, rethrown with
// `throw;` and through std::exception_ptr; destructors (RAII guards, vector elements) run on the way;
// a catch-all that translates; a nested try inside a catch; noexcept code calling code that throws
// and catches locally. The LSDAs (call sites, landing pads, type tables) must all stay right.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

static int live = 0;

struct Guard {
    std::string name;
    explicit Guard(std::string n) : name(std::move(n)) { ++live; }
    ~Guard() {
        --live;
        std::printf("~%s\n", name.c_str());
    }
};

struct AppError : std::runtime_error {
    int code;
    AppError(const std::string &what, int c) : std::runtime_error(what), code(c) {}
};

struct Stage {
    virtual ~Stage() = default;
    virtual int run(int x) = 0;
};

struct Doubler : Stage {
    int run(int x) override {
        Guard g("doubler");
        if (x > 40) throw AppError("doubler overflow " + std::to_string(x), x);
        return 2 * x;
    }
};

struct Checker : Stage {
    std::function<int(int)> next;
    explicit Checker(std::function<int(int)> n) : next(std::move(n)) {}
    int run(int x) override {
        Guard g("checker");
        try {
            return next(x + 1);
        } catch (const AppError &e) {
            std::printf("checker saw %s (code %d)\n", e.what(), e.code);
            if (e.code % 2 == 0) throw;  // rethrow the same object
            throw std::out_of_range("odd code " + std::to_string(e.code));
        }
    }
};

__attribute__((noinline)) int pipeline(int x) {
    std::vector<std::unique_ptr<Guard>> guards;
    for (int i = 0; i < 3; i++) guards.push_back(std::make_unique<Guard>("slot" + std::to_string(i)));
    auto d = std::make_unique<Doubler>();
    Stage *d2 = d.get();
    Checker c([d2](int v) { return d2->run(v * 3); });
    Stage *s = &c;
    return s->run(x);
}

__attribute__((noinline)) int comparator_throws(std::vector<int> v, int poison) {
    Guard g("sorter");
    std::sort(v.begin(), v.end(), [poison](int a, int b) {
        if (a == poison || b == poison) throw std::invalid_argument("poison " + std::to_string(poison));
        return a < b;
    });
    return v.front();
}

__attribute__((noinline)) std::exception_ptr capture(int x) {
    try {
        pipeline(x);
    } catch (...) {
        return std::current_exception();
    }
    return nullptr;
}

__attribute__((noinline)) int safe_sum(const std::vector<int> &v) noexcept {
    int total = 0;
    for (int x : v) {
        try {
            if (x < 0) throw x;
            total += x;
        } catch (int bad) {
            total -= 1000 * bad;
        }
    }
    return total;
}

int main(int argc, char **) {
    std::printf("pipeline(%d) = %d\n", argc, pipeline(argc));
    for (int x : {12, 13, 14}) {
        try {
            pipeline(x);
        } catch (const std::logic_error &e) {
            std::printf("logic_error: %s\n", e.what());
        } catch (const std::exception &e) {
            std::printf("exception: %s\n", e.what());
            try {
                throw std::runtime_error(std::string("nested after ") + e.what());
            } catch (const std::runtime_error &n) {
                std::printf("nested: %s\n", n.what());
            }
        }
    }
    std::vector<int> values{5, 3, 9, 1, 7};
    std::printf("min %d\n", comparator_throws(values, 100));
    try {
        comparator_throws(values, 9);
    } catch (const std::invalid_argument &e) {
        std::printf("sort stopped: %s\n", e.what());
    }
    for (int x : {13, 14}) {
        std::exception_ptr p = capture(x);
        try {
            if (p) std::rethrow_exception(p);
        } catch (const AppError &e) {
            std::printf("rethrown from exception_ptr: %s code %d\n", e.what(), e.code);
        } catch (const std::exception &e) {
            std::printf("rethrown from exception_ptr: %s\n", e.what());
        }
    }
    std::printf("safe_sum %d\n", safe_sum({1, -2, 3, -4}));
    std::printf("live guards %d\n", live);
    return 0;
}
