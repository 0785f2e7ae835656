# SPDX-License-Identifier: GPL-2.0-or-later
# The random mode: a layout drawn from one integer seed, two boots, every
# prediction nsalign makes on boot 1 (create plans, check, simulate, kmem
# plans) compared with what the kernel did.  Sourced by run.sh with
# RANDOM_SEED set (run.sh random, or scenarios/random-seed-NNN.sh).
#
# Everything is drawn from the seed with the lab's own generator (a 64-bit
# LCG in shell arithmetic), so a seed gives the same layout on any bash.
BOOTS=2
# one CPU: faster than two under TCG on a 2-core host shared with others
VM_SMP=${VM_SMP:-1}

rng_S=0
rng_init() { rng_S=$(($1 * 2654435761 + 40503)); }
# rnd N: R = a number in [0, N)
rnd() {
	rng_S=$((rng_S * 6364136223846793005 + 1442695040888963407))
	R=$((((rng_S >> 33) & 0x7fffffff) % $1))
}
# pick WORD...: R = one of them
pick() {
	local a=("$@")
	rnd ${#a[@]}
	R=${a[$R]}
}

# The menu a layout is drawn from: what the target offers (RANDOM_DRAW, set
# by a kept seed to the menu it was found with): x86_64 (both x86_64
# targets) draws legacy memmap= ranges and 1 GiB aligns; arm64-6.12 only
# NVDIMMs, with 4 KiB and 2 MiB aligns (what its regions offer); arm64-6.1
# only raw and sector namespaces (no ZONE_DEVICE).
case "${RANDOM_DRAW:=$TARGET}" in
x86_64*) RANDOM_DRAW=x86_64 ;;
arm64-6.12 | arm64-6.1) ;;
*) die "random: no menu for '$RANDOM_DRAW'" ;;
esac

# gen_layout SEED: the layout as shell variables
#   KIND nvdimm|legacy; MOVE_MIB; NV_MIB, ADDR_MIB (NVDIMM, boot 1);
#   NS[i] = TOOL:MODE:SIZE:ALIGN:KMEM1:START (START: legacy range, bytes);
#   KMEM2[i] 1 when namespace i is onlined on boot 2; RANGES (legacy: START_MIB:SIZE_MIB ...)
gen_layout() {
	local n i mode size align tool k1 start sz place lo hi
	rng_init "$1"
	NS=() KMEM2=() RANGES=()
	rnd 10
	if [ "$R" -lt 6 ] || [ $RANDOM_DRAW != x86_64 ]; then KIND=nvdimm; else KIND=legacy; fi
	pick 0 0 1 -1 2 -2 4 16 -16 64 -64 128 -128 1024 -1024 3 -6
	MOVE_MIB=$R
	if [ $KIND = nvdimm ]; then
		pick 1024 1536 2048 2560 3072 4096
		NV_MIB=$R
		rnd 4096
		ADDR_MIB=$((5120 + R))
		pick 128 2 1 16
		place=$R
		case $place in
		1) ADDR_MIB=$((ADDR_MIB | 1)) ;;
		*) ADDR_MIB=$((ADDR_MIB / place * place)) ;;
		esac
		rnd 4
		n=$((R + 1))
	else
		rnd 4
		n=1
		[ "$R" = 0 ] && n=2
	fi
	for i in $(seq 1 $n); do
		if [ $RANDOM_DRAW = arm64-6.1 ]; then pick raw sector sector raw; else pick raw sector fsdax devdax devdax fsdax; fi
		mode=$R
		pick ndctl nsalign nsalignf
		tool=$R
		start=0
		if [ $KIND = nvdimm ]; then
			pick m128 odd small m128
			case $R in
			m128) rnd 8 && size=$((128 * (R + 1)))M ;;
			odd) rnd 1000 && size=$((16 + R))M ;;
			small) rnd 60 && size=$((4 + R))M ;;
			esac
			# ndctl refuses sizes off the region's 16 MiB align (nsalign
			# rounds them down itself): round up, or its seed makes nothing
			[ $tool = ndctl ] && size=$(((${size%M} + 15) / 16 * 16))M
		else
			size=-
			pick 32 60 100 128 192 256 300 512 1024
			sz=$R
			# the range, inside RAM above 4 GiB before and after the move
			lo=$((4100 + (MOVE_MIB < 0 ? -MOVE_MIB : 0)))
			hi=$((7100 - sz - (MOVE_MIB > 0 ? MOVE_MIB : 0)))
			[ $i = 2 ] && lo=$((${RANGES[0]#*:} + ${RANGES[0]%:*} + 16 + (MOVE_MIB < 0 ? -MOVE_MIB : 0)))
			if [ $hi -le $lo ]; then
				[ $i = 2 ] && break
				MOVE_MIB=0 lo=4100 hi=$((7100 - sz))
			fi
			rnd $((hi - lo))
			start=$((lo + R))
			pick 128 2 1 16
			case $R in
			1) start=$((start | 1)) ;;
			*) start=$(((start + R - 1) / R * R)) ;;
			esac
			[ $((start + sz + (MOVE_MIB > 0 ? MOVE_MIB : 0))) -le 7100 ] || start=$((start - 128))
			RANGES+=("$start:$sz")
			start=$((start << 20))
		fi
		case $mode in
		raw | sector) align=- ;;
		*)
			# arm64 6.12's regions offer 4K and 2M: its menu has 2M where 1G was
			big=1G
			[ $RANDOM_DRAW = x86_64 ] || big=2M
			if [ $tool = ndctl ]; then pick 4K 2M $big 2M -; else pick 4K 2M $big auto -; fi
			align=$R
			;;
		esac
		k1=0 k2=0
		if [ $mode = devdax ] && [ $KIND = nvdimm ]; then
			rnd 3 && [ "$R" = 0 ] && k1=1
			rnd 3 && [ "$R" = 0 ] && k2=1
		elif [ $mode = devdax ]; then
			# legacy ranges are rarer: kmem on them more often
			rnd 2 && [ "$R" = 0 ] && k1=1
			rnd 3 && [ "$R" != 0 ] && k2=1
		fi
		NS+=("$tool:$mode:$size:$align:$k1:$start")
		KMEM2+=("$k2")
	done
	MOVE=$((MOVE_MIB << 20))
}

# move as nsalign and the kernel command line spell it
move_arg() { if [ "$MOVE_MIB" = 0 ]; then echo 0; else echo "${MOVE_MIB}M"; fi; }

describe_layout() {
	if [ $KIND = nvdimm ]; then
		printf 'NVDIMM %s MiB at %s, move %s MiB; namespaces:' "$NV_MIB" "$(nv_addr "$(printf %#x $((ADDR_MIB << 20)))")" "$MOVE_MIB"
	else
		printf 'legacy %s, move %s MiB; namespaces:' "$(memmap_args 1)" "$MOVE_MIB"
	fi
	printf ' %s' "${NS[@]}"
	echo
}

memmap_args() { # memmap_args BOOT
	local r out="" sh=0
	[ "$1" = 2 ] && sh=$MOVE_MIB
	for r in "${RANGES[@]}"; do out+=" memmap=${r#*:}M!$((${r%:*} + sh))M"; done
	echo "${out# }"
}

gen_layout "$RANDOM_SEED"
# what the layout needs of the target (a kept seed drawn from another menu)
REQUIRES=""
[ $KIND = legacy ] && REQUIRES+=" memmap"
case " ${NS[*]}" in *:1G:*) REQUIRES+=" align-1g" ;; esac
case " ${NS[*]}" in *:fsdax:* | *:devdax:*) REQUIRES+=" zone-device" ;; esac

setup() {
	if [ $KIND = nvdimm ]; then truncate -s "${NV_MIB}M" "$RUN/nv0.img"; else truncate -s 6G "$RUN/ram.img"; fi
	PRED_SEEDS+=" $RANDOM_SEED"
	describe_layout >"$RUN/layout"
	echo "# seed $RANDOM_SEED: $(cat "$RUN/layout")"
}

qemu_args() {
	if [ $KIND = nvdimm ]; then
		local a=$ADDR_MIB
		[ "$1" = 2 ] && a=$((ADDR_MIB + MOVE_MIB))
		one_nvdimm "$(printf '%#x' $((a << 20)))" "${NV_MIB}M" 1M
	else
		echo "-m 6G -object memory-backend-file,id=ram0,mem-path=$RUN/ram.img,size=6G,share=on -machine memory-backend=ram0"
	fi
}

# the target's PMEM modules (LAB_MODULES without what rescue and repair need)
random_modules() {
	local m out=""
	for m in $LAB_MODULES; do
		case $m in crc16 | mbcache | jbd2 | crc32c_generic | ext4 | loop) ;; *) out+=",$m" ;; esac
	done
	echo "${out#,}"
}

append_args() {
	local ns k2="" i id
	ns=$(
		IFS=,
		echo "${NS[*]}"
	)
	if [ "$1" = 2 ]; then
		for i in "${!NS[@]}"; do
			[ "${KMEM2[$i]}" = 1 ] && [ -s "$RUN/id.$((i + 1))" ] || continue
			id=$(cat "$RUN/id.$((i + 1))")
			# a legacy range is found by its resource, after the move
			[[ "$id" == *-* ]] || id=$((id + MOVE))
			k2+=",$id"
		done
	fi
	# the guest step collects what the comparisons need; no ext4 or loop
	echo "nsa_expect_nd nsa_collect=none nsa_modules=$(random_modules) nsa_guest=random nsa_kind=$KIND nsa_move=$(move_arg) nsa_ns=$ns${k2:+ nsa_kmem2=${k2#,}} $([ $KIND = legacy ] && memmap_args "$1")"
}

# ram.img offset of a guest physical address (MiB): x86 'pc' puts RAM up to
# 3 GiB below 4 GiB (with >= 3.5 GiB of RAM), the rest from 4 GiB on
ram_off_mib() { if [ "$1" -ge 4096 ]; then echo $(($1 - 1024)); else echo "$1"; fi; }

# between the boots, the platform moves the legacy ranges: their bytes go
# from the old to the new address inside the guest's RAM file
before_boot() {
	local r s z sig
	[ "$1" = 2 ] && [ $KIND = legacy ] || return 0
	for r in "${RANGES[@]}"; do
		s=${r%:*} z=${r#*:}
		# the file offset is right: a namespace claimed by a pfn, dax or btt
		# device on boot 1 has its info block 4 KiB into the range
		sig=$(dd if="$RUN/ram.img" bs=4096 skip=$(($(ram_off_mib "$s") * 256 + 1)) count=1 status=none | head -c 16 | tr -dc 'A-Z_')
		if jq -e --argjson r $((s << 20)) 'select(.resource == $r and .holder != "")' "$RUN/boot1/nstab.created" >/dev/null 2>&1; then
			check "ram.img holds the range at $s MiB where expected (info block '$sig')" \
				grep -qE 'NVDIMM_(PFN|DAX)_INFO|BTT_ARENA_INFO' <<<"$sig"
		fi
		[ "$MOVE_MIB" != 0 ] || continue
		dd if="$RUN/ram.img" of="$RUN/range.tmp" bs=1M skip="$(ram_off_mib "$s")" count="$z" status=none
		dd if="$RUN/range.tmp" of="$RUN/ram.img" bs=1M seek="$(ram_off_mib $((s + MOVE_MIB)))" conv=notrunc status=none
		rm -f "$RUN/range.tmp"
	done
}

# ---------------------------------------------------------------- comparing
# kernel_lines DMESG: the kernel's refusals in a boot's dmesg
kernel_lines() {
	grep -E 'bad offset|misaligned|unable to|failed with error|alignment mismatch|start_pad|init failed|resource start' "$1" |
		sed 's/^\[ *[0-9.]*\] //' | sort -u
}
# msg_in_dmesg MSG DMESG: the kernel printed MSG, device names aside (seed
# devices such as pfn0.1 and dax0.2 are renamed from boot to boot)
msg_in_dmesg() {
	local body
	body=$(sed -E 's/^([a-z_]+ )?[a-z]+[0-9]+\.[0-9]+: //; s/^[a-z]+[0-9]+\.[0-9]+: //' <<<"$1")
	[ -n "$body" ] && grep -qF -- "$body" "$2"
}
# kmem_of DIR TAG: bytes the kernel onlined as System RAM (kmem) in one daxctl run
kmem_of() {
	[ -f "$1/iomem.kmem.$2.after" ] || { echo 0; return; }
	echo $(($(kmem_bytes "$1/iomem.kmem.$2.after") - $(kmem_bytes "$1/iomem.kmem.$2.before")))
}
# actual NSTAB ID MODE: "true" when the kernel runs the namespace (label uuid,
# or legacy resource) in MODE (any when empty): ndctl's state, which follows
# the device that claims it (pfn, dax, btt), not the namespace's own driver,
# and for devdax its dax device bound to a driver
actual() {
	jq -r -s --arg id "$2" --arg mode "$3" '[.[] | select(.uuid == $id or (.resource | tostring) == $id)] |
		if length == 0 then "missing" else (first | (.state != "disabled" and .dax_bound != false and ($mode == "" or .mode == $mode)) | tostring) end' "$1"
}
# the identity of a namespace of a check/simulate JSON: label uuid, or its range
ns_ids() { jq -r '.namespaces[] | [(.raw_uuid // (.resource | tostring)), .mode, .resource] | @tsv' "$1"; }

assert_boot() {
	local n=$1 d=$2 i id mode res pred act line msg kl args plan created dev u tag k
	local S=$RANDOM_SEED
	# after the last boot the guest's RAM file (up to 6 GiB written) and the
	# NVDIMM image are done with: a run of hundreds of seeds must not fill the disk
	[ "$n" != "$BOOTS" ] || rm -f "$RUN/ram.img" "$RUN/nv0.img"
	if [ "$n" = 1 ]; then
		# the namespaces made, and the mode each was made in
		: >"$RUN/made"
		while read -r line; do
			u=$(jq -r 'if .uuid != "" then .uuid else (.resource | tostring) end' <<<"$line")
			echo "$u $(jq -r .mode <<<"$line") $(jq -r .resource <<<"$line") $(jq -r .dev <<<"$line")" >>"$RUN/made"
		done <"$d/nstab.created"
		for i in "${!NS[@]}"; do
			i=$((i + 1))
			args=$(cat "$d/create.$i.args" 2>/dev/null)
			echo "# create $i (${NS[$((i - 1))]%%:*} $args): exit $(cat "$d/create.$i.rc" 2>/dev/null)$(grep -v '^{' "$d/create.$i.err" 2>/dev/null | grep -v '^ *$' | tail -1 | sed 's/^/, /')"
			# the label uuid (or legacy resource) of what it made, for boot 2
			dev=$(cat "$d/create.$i.dev" 2>/dev/null)
			# a legacy range's namespace (nsalign -e prints only the plan)
			[ -z "$dev" ] && [ $KIND = legacy ] && [ "$(cat "$d/create.$i.rc" 2>/dev/null)" = 0 ] &&
				dev=$(jq -r --argjson r "${NS[$((i - 1))]##*:}" 'select(.resource == $r) | .dev' "$d/nstab.created")
			[ -n "$dev" ] && awk -v d="$dev" '$4 == d {print $1}' "$RUN/made" >"$RUN/id.$i"
			[ -f "$d/plan.$i.rc" ] || continue
			# the plan: nsalign create-namespace --dry-run
			if [ "$(cat "$d/plan.$i.rc")" = 0 ]; then
				plan=$(jq -c '.plan | {resource, data_resource}' "$d/plan.$i.json")
				# where it landed: sysfs (the namespace's and its pfn/dax device's resource)
				created=""
				[ -n "$dev" ] && created=$(jq -c --arg dev "$dev" 'select(.dev == $dev) | {resource, data_resource}' "$d/nstab.created")
				[ "$(cat "$d/create.$i.rc")" = 0 ] && [ "$plan" = "$created" ] && k=1 || k=0
				predict "$S" $k "create $i ($args): plan $plan, kernel made ${created:-nothing (exit $(cat "$d/create.$i.rc"): $(tail -1 "$d/create.$i.err"))}"
			fi
		done
		# check after the creations: available now
		while IFS=$'\t' read -r id mode res; do
			pred=$(jq -r --arg id "$id" '.namespaces[] | select((.raw_uuid // (.resource | tostring)) == $id) | .available' "$d/check.created.json")
			act=$(actual "$d/nstab.created" "$id" "")
			[ "$pred" = "$act" ] && k=1 || k=0
			predict "$S" $k "check: namespace $id ($mode at $(printf %#x "$res")) available=$pred, kernel: $act"
		done < <(ns_ids "$d/check.created.json")
		# kmem on boot 1: the plan's and check's yield against the kernel's
		for i in "${!NS[@]}"; do
			i=$((i + 1))
			[ -f "$d/kmem.1.$i.dev" ] || continue
			kmem_predictions "$d" "1.$i" "$(cat "$RUN/id.$i")" "$d/check.created.json" '.kmem.usable' check
		done
		cp "$d/simulate.json" "$RUN/simulate.json" 2>/dev/null
		cp "$d/simulate.rc" "$RUN/simulate.rc" 2>/dev/null
		return
	fi
	# boot 2: what the kernel did after the move, against simulate --shift
	kl=$(kernel_lines "$d/dmesg")
	[ -n "$kl" ] && echo "# kernel, boot 2: $(tr '\n' '|' <<<"$kl" | sed 's/|$//; s/|/ | /g')"
	if [ "$(cat "$RUN/simulate.rc" 2>/dev/null)" != 0 ] && [ "$(cat "$RUN/simulate.rc" 2>/dev/null)" != 1 ]; then
		predict "$S" 0 "simulate --shift=$(move_arg) ran (exit $(cat "$RUN/simulate.rc" 2>/dev/null): $(tail -1 "$d/../boot1/simulate.err" 2>/dev/null))"
	fi
	while read -r id mode res dev; do
		[ -f "$RUN/simulate.json" ] || break
		pred=$(jq -r --arg id "$id" '[.namespaces[] | select((.raw_uuid // (.resource | tostring)) == $id)] | first | .after[0] // {} | .available_after' "$RUN/simulate.json")
		msg=$(jq -r --arg id "$id" '[.namespaces[] | select((.raw_uuid // (.resource | tostring)) == $id)] | first | .after[0] // {} | .kernel_message // empty' "$RUN/simulate.json")
		if [[ "$id" == *-* ]]; then
			act=$(actual "$d/nstab.start" "$id" "$mode")
		else
			act=$(actual "$d/nstab.start" "$((id + MOVE))" "$mode")
		fi
		[ "$pred" = "$act" ] && k=1 || k=0
		predict "$S" $k "simulate --shift=$(move_arg): namespace $id ($mode) available_after=$pred${msg:+ ($msg)}, kernel: $act$([ "$act" != true ] && [ -n "$kl" ] && echo " ($(head -1 <<<"$kl"))")"
		if [ "$pred" = false ] && [ -n "$msg" ]; then
			msg_in_dmesg "$msg" "$d/dmesg" && k=1 || k=0
			predict "$S" $k "simulate --shift=$(move_arg): namespace $id: the kernel printed '$msg'"
		fi
	done <"$RUN/made"
	# check on boot 2
	while IFS=$'\t' read -r id mode res; do
		pred=$(jq -r --arg id "$id" '.namespaces[] | select((.raw_uuid // (.resource | tostring)) == $id) | .available' "$d/check.start.json")
		act=$(actual "$d/nstab.start" "$id" "")
		[ "$pred" = "$act" ] && k=1 || k=0
		predict "$S" $k "check, boot 2: namespace $id ($mode at $(printf %#x "$res")) available=$pred, kernel: $act"
	done < <(ns_ids "$d/check.start.json")
	# kmem on boot 2: simulate's kmem_usable_after and the plan's yield
	i=0
	for tag in "$d"/kmem.2.*.id; do
		[ -f "$tag" ] || continue
		i=${tag%.id}
		i=${i##*.}
		id=$(cat "$tag")
		[[ "$id" == *-* ]] || id=$((id - MOVE))
		kmem_predictions "$d" "2.$i" "$id" "$RUN/simulate.json" '.after[0].kmem_usable_after' simulate
	done
}

# kmem_predictions DIR TAG ID JSON FILTER WHAT: one daxctl run against the
# plan of 'nsalign reconfigure --dry-run' and against WHAT's yield (FILTER
# on the namespace ID in JSON)
kmem_predictions() {
	local d=$1 tag=$2 id=$3 json=$4 filter=$5 what=$6 got pred k rc zone zgot first n
	got=$(kmem_of "$d" "$tag")
	rc=$(cat "$d/kmem.$tag.rc" 2>/dev/null)
	echo "# kmem $tag: namespace $id, daxctl reconfigure-device exit ${rc:-not run}, kernel onlined $got bytes$([ "${rc:-0}" != 0 ] && tail -1 "$d/kmem.$tag.err" | sed 's/^/: /')"
	if [ -f "$d/kplan.$tag.json" ] || [ -f "$d/kplan.$tag.rc" ]; then
		pred=$(jq -r '.plan.usable // "null"' "$d/kplan.$tag.json" 2>/dev/null)
		[ "$(cat "$d/kplan.$tag.rc")" != 0 ] && [ -z "$pred" -o "$pred" = null ] && pred="refused (exit $(cat "$d/kplan.$tag.rc"))"
		[ "$pred" = "$got" ] || { [ "$got" = 0 ] && [[ "$pred" == refused* ]]; } && k=1 || k=0
		predict "$RANDOM_SEED" $k "reconfigure --dry-run, boot ${tag%%.*}: namespace $id kmem usable=$pred, kernel: $got"
		# the zone: the kernel's own where the plan says it onlines the blocks
		# itself (daxctl -f leaves them there), else the one asked (Movable, as daxctl)
		if [ "$(cat "$d/kplan.$tag.rc")" = 0 ] && [ "${rc:-1}" = 0 ] && [ -f "$d/kmem.$tag.blocks" ]; then
			zone=$(jq -r '.plan | if .kernel_onlines then .kernel_zone else .zone end' "$d/kplan.$tag.json")
			first=$(jq .plan.first_block "$d/kplan.$tag.json") n=$(jq .plan.blocks "$d/kplan.$tag.json")
			zgot=$(awk -v a="$first" -v b="$((first + n))" '$1 >= a && $1 < b { print $2 "/" $3 }' "$d/kmem.$tag.blocks" | sort | uniq -c | sed 's/^ *//' | tr '\n' ' ')
			[ "$zgot" = "$n online/$zone " ] && k=1 || k=0
			predict "$RANDOM_SEED" $k "reconfigure --dry-run, boot ${tag%%.*}: namespace $id's $n blocks online in $zone, kernel: ${zgot% }"
		fi
	fi
	pred=$(jq -r --arg id "$id" "[.namespaces[] | select((.raw_uuid // (.resource | tostring)) == \$id)] | first | $filter // \"null\"" "$json" 2>/dev/null)
	[ "$pred" = "$got" ] && k=1 || k=0
	predict "$RANDOM_SEED" $k "$what: namespace $id kmem usable=$pred, kernel: $got"
}
