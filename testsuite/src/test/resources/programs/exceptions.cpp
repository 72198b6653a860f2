// Checks: C++ exceptions thrown through several frames and caught, destructors run during
// unwinding, a rethrow, and a virtual call: unwind tables and LSDAs must stay right.
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

struct Tracker {
    const char *name;
    explicit Tracker(const char *n) : name(n) {}
    ~Tracker() { std::printf("unwound %s\n", name); }
};

struct Shape {
    virtual ~Shape() = default;
    virtual int area() const = 0;
};
struct Rect : Shape {
    int w, h;
    Rect(int a, int b) : w(a), h(b) {}
    int area() const override { return w * h; }
};

__attribute__((noinline)) int level3(int x) {
    Tracker t("level3");
    if (x > 2) throw std::runtime_error("too deep: " + std::to_string(x));
    return x;
}
__attribute__((noinline)) int level2(int x) { Tracker t("level2"); return level3(x + 1) + 1; }
__attribute__((noinline)) int level1(int x) {
    try {
        return level2(x + 1);
    } catch (const std::runtime_error &e) {
        std::printf("level1 saw: %s\n", e.what());
        throw;
    }
}

int main(int argc, char **) {
    std::vector<Shape *> shapes{new Rect(2, 3), new Rect(4, 5)};
    int total = 0;
    for (auto *s : shapes) total += s->area();
    std::printf("areas %d\n", total);
    for (auto *s : shapes) delete s;
    try {
        level1(argc);
    } catch (const std::exception &e) {
        std::printf("main caught: %s\n", e.what());
    }
    try {
        throw 42;
    } catch (int v) {
        std::printf("int %d\n", v);
    }
    return 0;
}
