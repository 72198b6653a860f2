/* The shared library of uselib.c: exported functions, one of them calling back into the program. */
int demo_factor = 2;

int demo_scale(int x) { return x * demo_factor; }

int demo_apply(int (*fn)(int), int x) { return fn(x) * demo_factor; }
