// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The catalog of finding codes, findings and the analysis that holds them.
 * Codes and MESSAGE_IDs are stable: scripts, the journal catalog and
 * nsalign-findings(7) depend on them.  Add, never renumber.  An analysis
 * keeps its counts by severity as findings are added, dropped or change
 * severity.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "private.h"

static const struct nsa_code_info codes[] = {
	{ "NSA-NO-PMEM", "5d1444ee8f944761822163a81f6b5971", NSA_SEV_INFO,
	  "no persistent memory on this machine" },
	{ "NSA-ADDRESSES-HIDDEN", "d7b7b4d5720e46ac899a7bb435f2f888", NSA_SEV_WARNING,
	  "physical addresses were not visible: nothing address-based was analyzed" },
	{ "NSA-KERNEL-NO-SUBSECTION", "7d147270fa984c63bdf64ac4616cff37", NSA_SEV_WARNING,
	  "kernel without sub-section memory hotplug (before 5.3)" },
	{ "NSA-NS-MISALIGNED-RANGE", "853f44c872fb4e02bc5d87b3318b172f", NSA_SEV_ERROR,
	  "label-less PMEM range not aligned for mapping: kernel refuses it" },
	{ "NSA-NS-INFOBLOCK-MISFIT", "f145e8f3c84142348c36f2371c703c68", NSA_SEV_ERROR,
	  "info block does not fit the namespace's placement: kernel refuses it" },
	{ "NSA-NS-REFUSED", "d8a1cdb4bade4e7180630dd484198722", NSA_SEV_ERROR,
	  "fsdax/devdax namespace came up raw and disabled" },
	{ "NSA-KERNEL-MEMMAP-NO-ROOM", "08bcc0e7397346c59e2427662d2ea1ad", NSA_SEV_ERROR,
	  "the kernel ran out of room for a namespace's struct pages (arm64, -12)" },
	{ "NSA-DAX-UNBOUND", "5b0d6f3e92a84c1fb3a7e6d2c48e1f07", NSA_SEV_ERROR,
	  "a devdax namespace's dax device has no driver (its probe failed)" },
	{ "NSA-NS-DISABLED", "81591fb087ba46d5983181c643576b87", NSA_SEV_WARNING,
	  "namespace is disabled" },
	{ "NSA-NS-FRAGILE", "83d77895a01f48e7bf482ffb1014dbf3", NSA_SEV_WARNING,
	  "namespace breaks if the platform moves the PMEM by its granularity" },
	{ "NSA-NS-SHARES-SECTION-RAM", "b1bf4ba151824da78f52e74bf603d9fc", NSA_SEV_WARNING,
	  "namespace shares a memory section with System RAM" },
	{ "NSA-NS-SHARES-SECTION-PMEM", "078311929a084bdb8718c11780261f91", NSA_SEV_WARNING,
	  "namespace shares a memory section with another PMEM range" },
	{ "NSA-NS-SHARES-SECTION-NS", "cf15e4bf5f7d40319df7f4f019e4b6fc", NSA_SEV_INFO,
	  "namespace shares a memory section with another namespace of its region" },
	{ "NSA-KMEM-LOSS", "268279d1800f4d73ba05edf4428b68c2", NSA_SEV_WARNING,
	  "capacity lost at memory-block edges when used as System RAM" },
	{ "NSA-KMEM-TOO-SMALL", "e86a66682ce94e27b7694be12722e68b", NSA_SEV_INFO,
	  "dax device holds no whole memory block: it cannot become System RAM" },
	{ "NSA-REGION-MISALIGNED", "014a2ac469bf42c3b84f26989e7dec27", NSA_SEV_WARNING,
	  "region start not 16 MiB aligned: ndctl refuses fsdax/devdax there" },
	{ "NSA-DAX-ALIGN-UNSUPPORTED", "bbeb922c475e45be9f997ada84574273", NSA_SEV_ERROR,
	  "devdax alignment this kernel does not support" },
	{ "NSA-NS-START-PAD", "f034c33140e74f51aa42feae1e86be75", NSA_SEV_WARNING,
	  "info block uses the deprecated start padding" },
	{ "NSA-NS-INFOBLOCK-DAMAGED", "84c635d86d3b4740a814cae3740391a3", NSA_SEV_ERROR,
	  "fsdax/devdax info block does not validate: the kernel runs the namespace raw" },
	/* across boots (compare.c, state.c) */
	{ "NSA-STATE-DAMAGED", "cea4b2f90bfb488d9bda87796b1eaed9", NSA_SEV_WARNING,
	  "the recorded layout could not be read: it was kept aside and recording starts over" },
	{ "NSA-NO-BASELINE", "2fb796f3106b456ea08a8fac331201e1", NSA_SEV_INFO,
	  "no recorded layout to compare this boot with yet" },
	{ "NSA-REGION-MOVED", "57d54cc796d1451fb35f682ebb3482d9", NSA_SEV_WARNING,
	  "the platform moved a PMEM region to another physical address since the record" },
	{ "NSA-NS-MOVED", "b1493a96fd8d4002876188078e9c9f56", NSA_SEV_INFO,
	  "namespace moved since the record and the kernel still maps it" },
	{ "NSA-NS-MOVED-UNAVAILABLE", "b2511e582f0b447ea18698f823955848", NSA_SEV_ERROR,
	  "namespace moved since the record and the kernel no longer maps it" },
	{ "NSA-NS-VANISHED", "8facaab37f1642bd9d8cdf1170cfd646", NSA_SEV_ERROR,
	  "a recorded namespace is missing on this boot" },
	{ "NSA-NS-MODE-LOST", "a961def68b71449b9aed64969e463860", NSA_SEV_ERROR,
	  "namespace at its recorded address lost its fsdax/devdax/sector mode" },
	{ "NSA-BLOCK-SIZE-CHANGED", "d21f694bb21e4df7a87ec6ac05450add", NSA_SEV_WARNING,
	  "the memory block size changed since the record" },
	{ "NSA-KERNEL-SUBSECTION-LOST", "4a4d3585c7334f29941c27a5b7232cf7", NSA_SEV_WARNING,
	  "this kernel lacks the sub-section memory hotplug the recorded one had" },
	{ "NSA-KERNEL-SUBSECTION-GAINED", "915bef9ab051454c83c978e7e53df399", NSA_SEV_INFO,
	  "this kernel has sub-section memory hotplug; the recorded one did not" },
	{ "NSA-NS-NEW", "27a6b499410c4bf9bf9199340f77a127", NSA_SEV_INFO,
	  "namespace not in the recorded layout" },
	{ "NSA-KERNEL-CHANGED", "afed74fbb32d4ca38fea8b26ae2b58e5", NSA_SEV_INFO,
	  "another kernel than on the recorded boot" },
	{ "NSA-GRANULARITY-COARSE", "d17c333a4ca04d1094ffc9442cbd7204", NSA_SEV_WARNING,
	  "a recorded move is not a multiple of the platform granularity: verdicts may be "
	  "optimistic" },
	/*
	 * nsalignd: others that online memory (competitors.c; the ONLINE codes
	 * are warnings when nsalignd's own policy onlines memory, else info),
	 * what its policy did, and findings that went away
	 */
	{ "NSA-ONLINE-UDEV-RULE", "0ff94aa88b4f40f9ab46e963011e6f00", NSA_SEV_WARNING,
	  "a udev rule onlines memory blocks: it races with nsalignd and daxctl" },
	{ "NSA-ONLINE-AUTO", "c57c0f269e244af6b7dcab5e0a4fcd99", NSA_SEV_WARNING,
	  "the kernel onlines hot-added memory by itself (auto_online_blocks)" },
	{ "NSA-ONLINE-DAXCTL", "19a6f22a1e304ee180f39c971a226293", NSA_SEV_WARNING,
	  "daxctl's udev rule reconfigures dax devices to System RAM" },
	{ "NSA-RESOLVED", "0e6a77ece3994e87815684b9feb3fbe0", NSA_SEV_INFO,
	  "a finding reported earlier no longer holds" },
	{ "NSA-HOTPLUG-ONLINED", "e281775ac91e4d7983180d66c55a5c1f", NSA_SEV_INFO,
	  "nsalignd onlined new memory blocks by policy" },
	{ "NSA-HOTPLUG-RECONFIGURED", "eeff987bb47e499cb307370ad6d2a6f9", NSA_SEV_INFO,
	  "nsalignd made a new devdax device System RAM by policy" },
	{ "NSA-HOTPLUG-FAILED", "71c7746582b848208b5f20ee77a53a1e", NSA_SEV_ERROR,
	  "nsalignd's policy action failed; the memory is not (all) online" },
	{ "NSA-HOTPLUG-SKIPPED", "ce0a3f1c036743349f1af79b5315f499", NSA_SEV_WARNING,
	  "nsalignd did not online new memory: a block is shared or owned by someone else" },
};

const struct nsa_code_info *nsa_codes(size_t *n)
{
	*n = ARRAY_SIZE(codes);
	return codes;
}

const struct nsa_code_info *nsa_code_lookup(const char *code)
{
	for (size_t i = 0; i < ARRAY_SIZE(codes); i++)
		if (strcmp(codes[i].code, code) == 0)
			return &codes[i];
	return NULL;
}

const char *nsa_severity_name(enum nsa_severity s)
{
	switch (s) {
	case NSA_SEV_ERROR:
		return "error";
	case NSA_SEV_WARNING:
		return "warning";
	default:
		return "info";
	}
}

static struct nsa_fact *push_fact(struct nsa_fact *facts, int *n, const char *key,
				  enum nsa_fact_type t)
{
	struct nsa_fact *fact;

	if (*n >= NSA_MAX_FACTS)
		return NULL;
	fact = &facts[(*n)++];
	fact->key = key;
	fact->type = t;
	return fact;
}

static struct nsa_fact *new_fact(struct nsa_finding *f, const char *key, enum nsa_fact_type t)
{
	return push_fact(f->facts, &f->n_facts, key, t);
}

void nsa_cause_fact_u64(struct nsa_cause *c, const char *key, uint64_t v)
{
	struct nsa_fact *fact = push_fact(c->evidence, &c->n_evidence, key, NSA_FACT_U64);

	if (fact)
		fact->u64 = v;
}

void nsa_cause_fact_addr(struct nsa_cause *c, const char *key, uint64_t v)
{
	struct nsa_fact *fact = push_fact(c->evidence, &c->n_evidence, key, NSA_FACT_ADDR);

	if (fact)
		fact->u64 = v;
}

void nsa_cause_fact_i64(struct nsa_cause *c, const char *key, int64_t v)
{
	struct nsa_fact *fact = push_fact(c->evidence, &c->n_evidence, key, NSA_FACT_I64);

	if (fact)
		fact->i64 = v;
}

void nsa_cause_fact_str(struct nsa_cause *c, const char *key, const char *v)
{
	struct nsa_fact *fact = push_fact(c->evidence, &c->n_evidence, key, NSA_FACT_STR);

	if (fact && !(fact->str = strdup(v ? v : "")))
		c->n_evidence--;
}

void nsa_cause_free(struct nsa_cause *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->n_evidence; i++)
		if (c->evidence[i].type == NSA_FACT_STR)
			free(c->evidence[i].str);
	free(c->text);
	free(c);
}

void nsa_finding_fact_u64(struct nsa_finding *f, const char *key, uint64_t v)
{
	struct nsa_fact *fact = new_fact(f, key, NSA_FACT_U64);

	if (fact)
		fact->u64 = v;
}

void nsa_finding_fact_addr(struct nsa_finding *f, const char *key, uint64_t v)
{
	struct nsa_fact *fact = new_fact(f, key, NSA_FACT_ADDR);

	if (fact)
		fact->u64 = v;
}

void nsa_finding_fact_i64(struct nsa_finding *f, const char *key, int64_t v)
{
	struct nsa_fact *fact = new_fact(f, key, NSA_FACT_I64);

	if (fact)
		fact->i64 = v;
}

void nsa_finding_fact_bool(struct nsa_finding *f, const char *key, bool v)
{
	struct nsa_fact *fact = new_fact(f, key, NSA_FACT_BOOL);

	if (fact)
		fact->b = v;
}

void nsa_finding_fact_str(struct nsa_finding *f, const char *key, const char *v)
{
	struct nsa_fact *fact = new_fact(f, key, NSA_FACT_STR);

	if (fact && !(fact->str = strdup(v ? v : "")))
		f->n_facts--;
}

static int set_text(char **slot, const char *fmt, va_list ap)
{
	char *text;

	if (vasprintf(&text, fmt, ap) < 0)
		return -ENOMEM;
	free(*slot);
	*slot = text;
	return 0;
}

int nsa_finding_set_message(struct nsa_finding *f, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = set_text(&f->message, fmt, ap);
	va_end(ap);
	return r;
}

int nsa_finding_set_remedy(struct nsa_finding *f, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = set_text(&f->remedy, fmt, ap);
	va_end(ap);
	return r;
}

void nsa_finding_clear(struct nsa_finding *f)
{
	free(f->message);
	free(f->remedy);
	for (int i = 0; i < f->n_facts; i++)
		if (f->facts[i].type == NSA_FACT_STR)
			free(f->facts[i].str);
	nsa_cause_free(f->cause);
	memset(f, 0, sizeof(*f));
}

/* Each fact as a member of o; returns o. */
static struct json_object *add_facts(struct json_object *o, const struct nsa_fact *facts, int n,
				     bool human)
{
	for (int i = 0; i < n; i++) {
		const struct nsa_fact *fact = &facts[i];
		struct json_object *v = NULL;

		switch (fact->type) {
		case NSA_FACT_U64:
			v = nsa_json_size(fact->u64, human);
			break;
		case NSA_FACT_ADDR:
			v = nsa_json_addr(fact->u64, human);
			break;
		case NSA_FACT_I64:
			v = json_object_new_int64(fact->i64);
			break;
		case NSA_FACT_BOOL:
			v = json_object_new_boolean(fact->b);
			break;
		case NSA_FACT_STR:
			v = fact->str && *fact->str ? json_object_new_string(fact->str) : NULL;
			break;
		}
		/* an unknown (empty) text is absent, never "" */
		if (v || fact->type != NSA_FACT_STR)
			json_object_object_add(o, fact->key, v);
	}
	return o;
}

struct json_object *nsa_finding_to_json(const struct nsa_finding *f, bool human)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "code", json_object_new_string(f->code->code));
	json_object_object_add(o, "severity",
			       json_object_new_string(nsa_severity_name(f->severity)));
	if (f->dev[0])
		json_object_object_add(o, "dev", json_object_new_string(f->dev));
	/* the namespace's label uuid: its identity, "raw_uuid" as in list */
	if (f->uuid[0])
		json_object_object_add(o, "raw_uuid", json_object_new_string(f->uuid));
	json_object_object_add(o, "message", json_object_new_string(f->message ? f->message : ""));
	json_object_object_add(o, "remedy", json_object_new_string(f->remedy ? f->remedy : ""));
	json_object_object_add(o, "message_id", json_object_new_string(f->code->message_id));
	add_facts(o, f->facts, f->n_facts, human);
	if (f->cause)
		json_object_object_add(o, "cause", nsa_cause_to_json(f->cause, human));
	return o;
}

struct json_object *nsa_cause_to_json(const struct nsa_cause *c, bool human)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "code", json_object_new_string(c->code));
	json_object_object_add(o, "text", json_object_new_string(c->text ? c->text : ""));
	json_object_object_add(
		o, "evidence",
		add_facts(json_object_new_object(), c->evidence, c->n_evidence, human));
	return o;
}

/* ------------------------------------------------------------ the analysis */

struct analysis_priv {
	struct nsa_analysis pub;
	size_t cap_findings;
	char **strings; /* verdict refusals */
	size_t n_strings, cap_strings;
};

static struct analysis_priv *apriv(struct nsa_analysis *a)
{
	return (struct analysis_priv *)a;
}

/* ------------------------------------------------------------ findings */

struct nsa_finding *nsa_analysis_add(struct nsa_analysis *a, const char *code, const char *dev,
				     const char *uuid)
{
	const struct nsa_code_info *info = nsa_code_lookup(code);
	struct nsa_finding *f;

	if (!info)
		return NULL;
	f = nsa_array_push((void **)&a->findings, &a->n_findings, &apriv(a)->cap_findings,
			   sizeof(*f));
	if (!f)
		return NULL;
	f->code = info;
	f->severity = info->severity;
	a->counts[f->severity]++;
	nsa_strlcpy(f->dev, dev, sizeof(f->dev));
	nsa_strlcpy(f->uuid, uuid, sizeof(f->uuid));
	return f;
}

void nsa_analysis_drop(struct nsa_analysis *a, size_t i)
{
	if (i >= a->n_findings)
		return;
	a->counts[a->findings[i].severity]--;
	nsa_finding_clear(&a->findings[i]);
	memmove(&a->findings[i], &a->findings[i + 1],
		(a->n_findings - i - 1) * sizeof(a->findings[0]));
	a->n_findings--;
}

void nsa_analysis_set_severity(struct nsa_analysis *a, struct nsa_finding *f, enum nsa_severity sev)
{
	a->counts[f->severity]--;
	f->severity = sev;
	a->counts[sev]++;
}

void nsa_analysis_recount(struct nsa_analysis *a)
{
	memset(a->counts, 0, sizeof(a->counts));
	for (size_t i = 0; i < a->n_findings; i++)
		a->counts[a->findings[i].severity]++;
}

struct nsa_analysis *nsa_analysis_new(void)
{
	struct analysis_priv *p = calloc(1, sizeof(*p));

	return p ? &p->pub : NULL;
}

void nsa_analysis_free(struct nsa_analysis *a)
{
	struct analysis_priv *p;

	if (!a)
		return;
	p = apriv(a);
	for (size_t i = 0; i < a->n_findings; i++)
		nsa_finding_clear(&a->findings[i]);
	for (size_t i = 0; i < a->n_verdicts; i++)
		free(a->verdicts[i].neighbours);
	for (size_t i = 0; i < p->n_strings; i++)
		free(p->strings[i]);
	free(p->strings);
	free(a->findings);
	free(a->verdicts);
	free(a->block_owner);
	free(a->block_n_owners);
	free(p);
}

int nsa_analysis_exit_code(const struct nsa_analysis *a)
{
	int worst = 0;

	for (size_t i = 0; i < a->n_findings; i++) {
		if (a->findings[i].severity == NSA_SEV_ERROR)
			return 2;
		if (a->findings[i].severity == NSA_SEV_WARNING)
			worst = 1;
	}
	return worst;
}

const char *nsa_analysis_keep_string(struct nsa_analysis *a, const char *s)
{
	struct analysis_priv *p = apriv(a);
	char **slot =
		nsa_array_push((void **)&p->strings, &p->n_strings, &p->cap_strings, sizeof(*slot));

	if (!slot)
		return NULL;
	*slot = strdup(s);
	return *slot;
}
