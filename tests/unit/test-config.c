// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nsalignd's configuration: nsalign.conf and its drop-ins, written into a
 * fresh temporary directory by each test, read by util/conf.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/conf.h"
#include "test.h"

static char dir[64];

static void remove_dir(void)
{
	char cmd[128];

	if (!dir[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("#   could not remove %s\n", dir);
}

static void fresh_dir(void)
{
	if (dir[0])
		remove_dir();
	else
		atexit(remove_dir);
	snprintf(dir, sizeof(dir), "/tmp/nsalign-test-config.XXXXXX");
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		exit(1);
	}
}

/* Write dir/name (name may hold "nsalign.conf.d/"). */
static void put(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/nsalign.conf.d", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) == EOF || fclose(f) != 0) {
		printf("Bail out! writing %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

static char err[512];

/* Load dir; the result, err printed for the log. */
static int load(struct nsad_config *c)
{
	int r = nsad_config_load(dir, c, err, sizeof(err));

	printf("#   load: %d %s\n", r, err);
	return r;
}

/* The error, with the temporary directory replaced by "DIR". */
static const char *err_rel(void)
{
	static char out[512];
	size_t dl = strlen(dir);

	if (strncmp(err, dir, dl) == 0)
		snprintf(out, sizeof(out), "DIR%s", err + dl);
	else
		snprintf(out, sizeof(out), "%s", err);
	return out;
}

/* A config that must stay untouched on error: recognisable values. */
static void poison(struct nsad_config *c)
{
	nsad_config_defaults(c);
	c->memory_blocks = NSAD_BLOCKS_ONLINE;
	c->granularity = 12345;
}

static bool untouched(const struct nsad_config *c)
{
	return c->memory_blocks == NSAD_BLOCKS_ONLINE && c->granularity == 12345 && !c->files;
}

TEST(no_files_gives_the_defaults)
{
	struct nsad_config c;
	char buf[128];

	fresh_dir();
	REQUIRE(load(&c) == 0);
	CHECK(c.memory_blocks == NSAD_BLOCKS_NOTHING);
	CHECK(c.dax_devices == NSAD_DAX_NOTHING);
	CHECK(c.dax_movable);
	CHECK_U64(c.granularity, 0);
	CHECK(c.log_min == NSA_SEV_WARNING);
	CHECK_U64(c.n_files, 0);
	CHECK_STR(nsad_config_files_str(&c, buf, sizeof(buf)), "no configuration file (defaults)");
	nsad_config_free(&c);
}

TEST(shipped_example_is_all_defaults)
{
	struct nsad_config c;
	char path[512], cmd[1024];
	const char *top = getenv("TOP_SRCDIR") ? getenv("TOP_SRCDIR") : "..";

	fresh_dir();
	snprintf(path, sizeof(path), "%s/systemd/nsalign.conf", top);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s/nsalign.conf'", path, dir);
	REQUIRE(system(cmd) == 0);
	REQUIRE(load(&c) == 0);
	CHECK(c.memory_blocks == NSAD_BLOCKS_NOTHING);
	CHECK(c.dax_devices == NSAD_DAX_NOTHING);
	CHECK(c.dax_movable);
	CHECK_U64(c.granularity, 0);
	CHECK(c.log_min == NSA_SEV_WARNING);
	CHECK_U64(c.n_files, 1);
	nsad_config_free(&c);
}

TEST(every_key_parsed)
{
	struct nsad_config c;

	fresh_dir();
	put("nsalign.conf", "# comment\n"
			    "; another\n"
			    "[Hotplug]\n"
			    "MemoryBlocks = online_movable\n"
			    "DaxDevices=system-ram\n"
			    "DaxZone=normal   ; inline comment\n"
			    "\n"
			    "[Platform]\n"
			    "Granularity=128M\n"
			    "[Log]\n"
			    "Level=info\n");
	REQUIRE(load(&c) == 0);
	CHECK(c.memory_blocks == NSAD_BLOCKS_ONLINE_MOVABLE);
	CHECK(c.dax_devices == NSAD_DAX_SYSTEM_RAM);
	CHECK(!c.dax_movable);
	CHECK_U64(c.granularity, 128ULL << 20);
	CHECK(c.log_min == NSA_SEV_INFO);
	CHECK_STR(nsad_block_policy_name(c.memory_blocks), "online_movable");
	CHECK_STR(nsad_dax_policy_name(c.dax_devices), "system-ram");
	nsad_config_free(&c);
}

TEST(dropins_override_in_lexical_order_and_empty_resets)
{
	struct nsad_config c;
	char buf[512], want[512];

	fresh_dir();
	put("nsalign.conf", "[Hotplug]\nMemoryBlocks=online\nDaxDevices=system-ram\n"
			    "[Platform]\nGranularity=1G\n");
	put("nsalign.conf.d/20-b.conf", "[Hotplug]\nMemoryBlocks=online_movable\n");
	put("nsalign.conf.d/10-a.conf", "[Hotplug]\nMemoryBlocks=nothing\nDaxDevices=\n");
	put("nsalign.conf.d/30-c.conf.disabled", "[Nonsense]\n");
	put("nsalign.conf.d/.hidden.conf", "[Nonsense]\n");
	put("nsalign.conf.d/40-d.conf", "[Platform]\nGranularity=auto\n");
	REQUIRE(load(&c) == 0);
	/* 10-a sets nothing, 20-b sets online_movable: the later file wins */
	CHECK(c.memory_blocks == NSAD_BLOCKS_ONLINE_MOVABLE);
	/* "DaxDevices=" resets to the default */
	CHECK(c.dax_devices == NSAD_DAX_NOTHING);
	CHECK_U64(c.granularity, 0);
	CHECK_U64(c.n_files, 4);
	snprintf(want, sizeof(want),
		 "%s/nsalign.conf, %s/nsalign.conf.d/10-a.conf, %s/nsalign.conf.d/20-b.conf, "
		 "%s/nsalign.conf.d/40-d.conf",
		 dir, dir, dir, dir);
	CHECK_STR(nsad_config_files_str(&c, buf, sizeof(buf)), want);
	nsad_config_free(&c);
}

TEST(dropin_linked_to_dev_null_is_masked)
{
	struct nsad_config c;
	char path[256];

	fresh_dir();
	put("nsalign.conf.d/50-x.conf", "[Hotplug]\nMemoryBlocks=online\n");
	snprintf(path, sizeof(path), "%s/nsalign.conf.d/60-mask.conf", dir);
	REQUIRE(symlink("/dev/null", path) == 0);
	put("nsalign.conf.d/70-y.conf", "[Log]\nLevel=error\n");
	REQUIRE(load(&c) == 0);
	CHECK(c.memory_blocks == NSAD_BLOCKS_ONLINE);
	CHECK(c.log_min == NSA_SEV_ERROR);
	CHECK_U64(c.n_files, 2);
	nsad_config_free(&c);
}

/* Loading fails with want (a negative errno) and err_msg; c stays as it was. */
static void expect_refused(int want, const char *err_msg)
{
	struct nsad_config c;

	poison(&c);
	CHECK(load(&c) == want);
	CHECK(untouched(&c));
	if (err_msg)
		CHECK_STR(err_rel(), err_msg);
	CHECK(!strchr(err, '\n'));
}

/* A broken file: the error names it and its line, and c stays as it was. */
static void broken(const char *name, const char *text, const char *want)
{
	fresh_dir();
	put("nsalign.conf", "[Hotplug]\nMemoryBlocks=online_movable\n");
	put(name, text);
	expect_refused(-EBADMSG, want);
}

TEST(unknown_section)
{
	broken("nsalign.conf.d/10-x.conf", "[Hotplgu]\n",
	       "DIR/nsalign.conf.d/10-x.conf:1: unknown section [Hotplgu]; expected [Hotplug], "
	       "[Platform] or [Log]");
}

TEST(section_name_is_case_sensitive)
{
	broken("nsalign.conf.d/10-x.conf", "\n[hotplug]\nMemoryBlocks=online\n",
	       "DIR/nsalign.conf.d/10-x.conf:2: unknown section [hotplug] (section names are "
	       "case-sensitive); expected [Hotplug], [Platform] or [Log]");
}

TEST(unknown_key)
{
	broken("nsalign.conf.d/10-x.conf", "[Hotplug]\nMemoryBlock=online\n",
	       "DIR/nsalign.conf.d/10-x.conf:2: unknown key \"MemoryBlock\" in [Hotplug]; expected "
	       "MemoryBlocks, DaxDevices or DaxZone");
}

TEST(key_in_the_wrong_section)
{
	broken("nsalign.conf.d/10-x.conf", "[Log]\nGranularity=64M\n",
	       "DIR/nsalign.conf.d/10-x.conf:2: unknown key \"Granularity\" in [Log] (Granularity= "
	       "belongs in [Platform]); expected Level");
}

TEST(bad_value)
{
	broken("nsalign.conf.d/10-x.conf", "[Hotplug]\n# x\nMemoryBlocks=online-movable\n",
	       "DIR/nsalign.conf.d/10-x.conf:3: bad value \"online-movable\" for MemoryBlocks=; "
	       "expected nothing, online or online_movable (or nothing after '=' for the default)");
}

TEST(bad_granularity)
{
	broken("nsalign.conf.d/10-x.conf", "[Platform]\nGranularity=100M\n",
	       "DIR/nsalign.conf.d/10-x.conf:2: bad value \"100M\" for Granularity=; expected auto "
	       "or a power of two of at least 4K, e.g. 64M");
}

TEST(key_before_any_section)
{
	broken("nsalign.conf.d/10-x.conf", "MemoryBlocks=online\n",
	       "DIR/nsalign.conf.d/10-x.conf:1: key \"MemoryBlocks\" before any section header; "
	       "expected [Hotplug], [Platform] or [Log] first");
}

TEST(colon_separator_refused)
{
	broken("nsalign.conf.d/10-x.conf", "[Hotplug]\nMemoryBlocks: online\n",
	       "DIR/nsalign.conf.d/10-x.conf:2: \"MemoryBlocks: online\" separates key and value "
	       "with ':'; expected Key=value");
}

TEST(garbage_line)
{
	broken("nsalign.conf.d/10-x.conf", "[Hotplug]\nonline everything please\n",
	       "DIR/nsalign.conf.d/10-x.conf:2: \"online everything please\" is not a section "
	       "header, a Key=value line or a comment; expected Key=value");
}

TEST(unclosed_section_header)
{
	broken("nsalign.conf", "[Hotplug\n",
	       "DIR/nsalign.conf:1: \"[Hotplug\" has no closing ']'; expected a section header, "
	       "[Hotplug], [Platform] or [Log]");
}

TEST(indented_line_is_not_a_continuation)
{
	struct nsad_config c;

	/* inih would glue "  DaxDevices=..." onto MemoryBlocks' value */
	fresh_dir();
	put("nsalign.conf", "[Hotplug]\nMemoryBlocks=online\n    DaxDevices=system-ram\n");
	REQUIRE(load(&c) == 0);
	CHECK(c.memory_blocks == NSAD_BLOCKS_ONLINE);
	CHECK(c.dax_devices == NSAD_DAX_SYSTEM_RAM);
	nsad_config_free(&c);
}

TEST(nul_byte_refused)
{
	char path[256];
	int fd;

	fresh_dir();
	snprintf(path, sizeof(path), "%s/nsalign.conf", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	REQUIRE(fd >= 0);
	REQUIRE(write(fd, "[Log]\nLevel=in\0fo\n", 18) == 18);
	close(fd);
	expect_refused(-EBADMSG, "DIR/nsalign.conf:2: a NUL byte; expected text");
}

TEST(long_line_refused)
{
	struct nsad_config c;
	char *text = malloc(5000);

	REQUIRE(text);
	memset(text, 'x', 4999);
	text[4999] = '\0';
	memcpy(text, "[Log]\n#", 7);
	fresh_dir();
	put("nsalign.conf", text);
	free(text);
	poison(&c);
	CHECK(load(&c) == -EBADMSG);
	CHECK(untouched(&c));
	CHECK(strstr(err, "nsalign.conf:2: line too long") != NULL);
}

TEST(dropin_that_is_a_directory)
{
	char path[256];

	fresh_dir();
	put("nsalign.conf", "");
	snprintf(path, sizeof(path), "%s/nsalign.conf.d/10-dir.conf", dir);
	REQUIRE(mkdir(path, 0755) == 0);
	expect_refused(-EISDIR,
		       "DIR/nsalign.conf.d/10-dir.conf: is a directory; expected a regular "
		       "file (remove or rename it)");
}

TEST(unreadable_dropin)
{
	struct nsad_config c;
	char path[256];

	fresh_dir();
	put("nsalign.conf.d/10-x.conf", "[Log]\nLevel=info\n");
	snprintf(path, sizeof(path), "%s/nsalign.conf.d/10-x.conf", dir);
	REQUIRE(chmod(path, 0) == 0);
	poison(&c);
	if (geteuid() == 0) {
		/* root reads it anyway: the file is fine */
		CHECK(load(&c) == 0);
		CHECK(c.log_min == NSA_SEV_INFO);
		nsad_config_free(&c);
	} else {
		CHECK(load(&c) == -EACCES);
		CHECK(untouched(&c));
		CHECK_STR(err_rel(), "DIR/nsalign.conf.d/10-x.conf: cannot open: Permission "
				     "denied; expected a readable file");
	}
}

TEST(fifo_does_not_hang)
{
	char path[256];

	fresh_dir();
	snprintf(path, sizeof(path), "%s/nsalign.conf", dir);
	REQUIRE(mkfifo(path, 0644) == 0);
	expect_refused(-EINVAL, "DIR/nsalign.conf: is not a regular file; expected a regular file");
}

TEST(config_dir_missing_is_defaults_dropins_not_a_dir_is_an_error)
{
	char path[256];

	fresh_dir();
	snprintf(path, sizeof(path), "%s/nsalign.conf.d", dir);
	REQUIRE(rmdir(path) == 0 || errno == ENOENT);
	put("nsalign.conf", "[Log]\nLevel=error\n");
	/* put() made the directory again: replace it with a file */
	REQUIRE(rmdir(path) == 0);
	REQUIRE(close(open(path, O_WRONLY | O_CREAT, 0644)) == 0);
	expect_refused(
		-ENOTDIR,
		"DIR/nsalign.conf.d: is not a directory; expected a directory of *.conf files");
}

TEST(first_error_wins_across_files)
{
	broken("nsalign.conf.d/10-x.conf", "[Log]\nLevel=loud\n[Nope]\n",
	       "DIR/nsalign.conf.d/10-x.conf:2: bad value \"loud\" for Level=; expected info, "
	       "warning or error (or nothing after '=' for the default)");
}
