/*
 * test_leak_check.c - the check at exit that no tensor outlives the Lua
 * state (repl/ltorch.c): a reference lost in C must fail the process, an
 * autograd reference cycle (which PyTorch also never frees) must not, and
 * a clean run must pass.  Each case runs in a child process, since the
 * check acts at exit.
 */
#include "../tap.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lualib.h>

#include "ag.h"
#include "ltorch.h"

enum { CLEAN, LOST_REF, CYCLE };

static int child(int what)
{
	lua_State *L = luaL_newstate();
	int64_t two = 2;

	luaL_openlibs(L);
	luaL_requiref(L, "torch", luaopen_torch, 1);
	lua_pop(L, 1);
	if (what == LOST_REF)
		(void)ag_zeros(&two, 1, AG_FLOAT32);	/* never released */
	if (what == CYCLE &&
	    luaL_dostring(L, "local x = torch.ones(2, {requires_grad = true}); "
			  "(x * x):sum():backward(nil, {create_graph = true}); "
			  "assert(x.grad.grad_fn)") != LUA_OK)
		return 9;
	lua_close(L);
	return 0;	/* the atexit check may turn this into 3 */
}

/* Runs a case; returns its exit status and what it wrote on stderr. */
static int run(int what, char *err, size_t n)
{
	int fds[2], status = -1;
	pid_t pid;
	ssize_t got, len = 0;

	if (pipe(fds) != 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 2);
		close(fds[0]);
		exit(child(what));
	}
	close(fds[1]);
	while ((got = read(fds[0], err + len, n - 1 - (size_t)len)) > 0)
		len += got;
	err[len] = '\0';
	close(fds[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int main(void)
{
	char err[4096];
	int st;

	plan_lazy();
	setenv("AGDB_CHECK_LEAKS", "1", 1);

	st = run(CLEAN, err, sizeof err);
	is_int(st, 0, "a clean session passes the check");
	ok(strstr(err, "leak check") == NULL, "and says nothing");

	st = run(LOST_REF, err, sizeof err);
	is_int(st, 3, "a tensor whose reference C lost makes the exit status 3");
	ok(strstr(err, "agdb: leak check: 1 tensor(s) and 8 storage byte(s) "
		      "still alive after the Lua state closed") != NULL,
	   "the report counts it");
	ok(strstr(err, "float32 [2] refcount 1") != NULL, "and describes it");

	st = run(CYCLE, err, sizeof err);
	is_int(st, 0, "a create_graph cycle (as in PyTorch) is cut at exit, "
	       "not reported as a leak");

	setenv("AGDB_CHECK_LEAKS", "0", 1);
	st = run(LOST_REF, err, sizeof err);
#ifdef NDEBUG
	is_int(st, 0, "AGDB_CHECK_LEAKS=0 turns the check off");
#else
	is_int(st, 0, "AGDB_CHECK_LEAKS=0 turns the check off, debug build too");
#endif
	return done_testing();
}
