/*
 * A persistent-mode fuzzing harness for the Lua parser (scripts/bench-afl.sh): main reads the file
 * named by its argument and hands the bytes to lua_parse_buffer, the function `instrument --afl
 * --afl-persistent` loops on. Parses only (luaL_loadbuffer), as `luac -p` does; runs nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include "lua.h"
#include "lauxlib.h"

__attribute__((noinline)) int lua_parse_buffer(const unsigned char *buf, size_t len) {
    lua_State *L = luaL_newstate();
    if (!L) return 2;
    int status = luaL_loadbuffer(L, (const char *)buf, len, "=input");
    lua_close(L);
    return status == LUA_OK ? 0 : 1;
}

int main(int argc, char **argv) {
    static unsigned char buf[1 << 20];
    FILE *f = argc > 1 ? fopen(argv[1], "rb") : stdin;
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    size_t n = fread(buf, 1, sizeof buf, f);
    return lua_parse_buffer(buf, n);
}
