// SPDX-License-Identifier: GPL-2.0
/*
 * A ConnectX firmware model, test-only: it is loaded as "mlx5_core" in the
 * place of the real one and exports the mlx5_core functions mlx5_vdpa
 * calls. It registers one fake PCI function and its "mlx5_core.vnet"
 * auxiliary device, and answers firmware commands from a model:
 *
 *  - object tables with ids (PD, UCTX, transport domain, TIS, RQT, TIR,
 *    MKEY, UMEM, CQ, QP, virtio queue and counter objects, flow tables,
 *    rules, counters, UAR pages, MPFS MACs);
 *  - state machines for the virtio queue (INIT/RDY/SUSPEND/ERR) and the QP
 *    (RST/INIT/RTR/RTS) that reject what the firmware rejects;
 *  - error injection (status and syndrome) on any command;
 *  - asynchronous completion from an ordered work queue, with a limit of
 *    commands in flight past which mlx5_cmd_exec_cb() returns -EBUSY;
 *  - a command trace, the object tables, the MKEY contents and an MKEY
 *    resolver in debugfs (Documentation/mlx5_model.rst).
 *
 * The model checks what the mlx5_ifc layouts say and the rules the driver
 * itself relies on. It cannot know the rules the firmware does not
 * document; a passing test means "the same command stream as the C
 * driver", not "works on a ConnectX".
 */

#include <linux/auxiliary_bus.h>
#include <linux/debugfs.h>
#include <linux/kmemleak.h>
#include <linux/dma-mapping.h>
#include <linux/etherdevice.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <linux/mlx5/cq.h>
#include <linux/mlx5/driver.h>
#include <linux/mlx5/fs.h>
#include <linux/mlx5/mlx5_ifc_vdpa.h>
#include <linux/mlx5/mpfs.h>
#include <linux/mlx5/qp.h>
#include <linux/mlx5/vport.h>

/* The command header every inbox and outbox starts with; mlx5_core keeps
 * its layout private to its command interface. */
struct mlx5_ifc_mbox_in_bits {
	u8 opcode[0x10];
	u8 uid[0x10];
	u8 reserved_at_20[0x10];
	u8 op_mod[0x10];
	u8 reserved_at_40[0x40];
};

struct mlx5_ifc_mbox_out_bits {
	u8 status[0x8];
	u8 reserved_at_8[0x18];
	u8 syndrome[0x20];
	u8 reserved_at_40[0x40];
};

/* Capabilities, fixed at load. */
static bool umem_uid_0 = true;
module_param(umem_uid_0, bool, 0444);
MODULE_PARM_DESC(umem_uid_0, "firmware cap umem_uid_0 (1:1 DMA MR, no UCTX)");
static bool desc_group_mkey = true;
module_param(desc_group_mkey, bool, 0444);
MODULE_PARM_DESC(desc_group_mkey, "firmware cap desc_group_mkey_supported");
static bool freeze_to_rdy = true;
module_param(freeze_to_rdy, bool, 0444);
MODULE_PARM_DESC(freeze_to_rdy, "firmware cap freeze_to_rdy_supported (resume)");
static uint max_virtio_queues = 16;
module_param(max_virtio_queues, uint, 0444);
MODULE_PARM_DESC(max_virtio_queues, "firmware cap max_num_virtio_queues");
static bool q_counters = true;
module_param(q_counters, bool, 0444);
MODULE_PARM_DESC(q_counters, "firmware supports VIRTIO_Q_COUNTERS objects");
static ulong bar_addr = 0x8000000000UL;
module_param(bar_addr, ulong, 0444);
MODULE_PARM_DESC(bar_addr, "physical address of BAR 0 (must not be RAM)");

/* Behaviour, changeable at run time. */
static uint max_inflight = 8;
module_param(max_inflight, uint, 0644);
MODULE_PARM_DESC(max_inflight, "async commands in flight before -EBUSY (0: no limit)");
static bool sync_callbacks;
module_param(sync_callbacks, bool, 0644);
MODULE_PARM_DESC(sync_callbacks, "complete mlx5_cmd_exec_cb() before it returns");

/* Opcodes of the mlx5_core services that are not firmware commands of the
 * driver but are in the real mlx5_core (it issues them on the driver's
 * behalf); the model gives them their firmware opcode so that they are
 * traced and can fail like any other. */
#define OP_ALLOC_UAR			MLX5_CMD_OP_ALLOC_UAR
#define OP_DEALLOC_UAR			MLX5_CMD_OP_DEALLOC_UAR
#define OP_CREATE_FLOW_TABLE		MLX5_CMD_OP_CREATE_FLOW_TABLE
#define OP_DESTROY_FLOW_TABLE		MLX5_CMD_OP_DESTROY_FLOW_TABLE
#define OP_SET_FTE			MLX5_CMD_OP_SET_FLOW_TABLE_ENTRY
#define OP_DELETE_FTE			MLX5_CMD_OP_DELETE_FLOW_TABLE_ENTRY
#define OP_ALLOC_FC			MLX5_CMD_OP_ALLOC_FLOW_COUNTER
#define OP_DEALLOC_FC			MLX5_CMD_OP_DEALLOC_FLOW_COUNTER
#define OP_QUERY_FC			MLX5_CMD_OP_QUERY_FLOW_COUNTER
#define OP_SET_L2			MLX5_CMD_OP_SET_L2_TABLE_ENTRY
#define OP_DEL_L2			MLX5_CMD_OP_DELETE_L2_TABLE_ENTRY

enum mobj_type {
	MO_UAR, MO_UCTX, MO_PD, MO_TD, MO_TIS, MO_RQT, MO_TIR, MO_MKEY,
	MO_UMEM, MO_CQ, MO_QP, MO_VIRTQ, MO_QCNT, MO_FT, MO_RULE, MO_FC,
	MO_MAC, MO_NR
};

static const char *const mobj_name[MO_NR] = {
	"uar", "uctx", "pd", "td", "tis", "rqt", "tir", "mkey", "umem", "cq",
	"qp", "virtq", "qcnt", "ft", "rule", "fc", "mac",
};

enum { QP_RST, QP_INIT, QP_RTR, QP_RTS };

struct mobj {
	struct list_head node;
	enum mobj_type type;
	u32 id;
	u32 state;
	union {
		struct {
			u8 mode, lr, lw, len64, log_page_size;
			u32 pd, nent;
			u64 start, len;
			void *ent;		/* __be64 MTTs or struct mlx5_klm */
		} mkey;
		struct {
			u16 index, size, features;
			u8 event_mode, v1;
			u32 event, tisn, mkey, desc_mkey, pd, counter;
			u32 umem[3], umem_size[3];
			u64 desc, used, avail;
			u16 avail_idx, used_idx;
		} vq;
		struct {
			u64 npages;
			u8 log_page_size;
		} umem;
		struct {
			u32 qpn_remote;
		} qp;
		u8 mac[ETH_ALEN];
	};
};

struct trace_ent {
	u64 t_ns;
	u32 seq;
	u16 opcode, op_mod, obj_type;
	u32 obj_id;
	u8 status;
	u8 async;
	u16 inflight;
	u32 syndrome;
	u32 note;		/* TN_* */
};

enum {
	TN_INJECTED = BIT(0),
	TN_INLEN = BIT(1),	/* inbox length is not what its contents say */
	TN_RULE = BIT(2),	/* a model rule was broken (reason in the log) */
};

#define TRACE_MAX 65536

static struct model {
	struct mutex lock;		/* tables, trace, injection */
	struct list_head objs[MO_NR];
	u32 next_id[MO_NR];
	u32 count[MO_NR];
	u32 seq;
	struct trace_ent *trace;
	u32 ntrace;
	u32 violations;
	/* injection: fail command number inj_seq, or the inj_nth-th command
	 * with opcode inj_opcode (counted from when it was armed) */
	u32 inj_seq;
	u16 inj_opcode;
	u32 inj_nth, inj_count;
	u8 inj_status;
	u32 inj_syndrome;
	u32 injected;
	/* vport */
	u16 mtu;
	u8 mac[ETH_ALEN];
	u8 link_up;
	u32 null_mkey;
	atomic_t inflight;
	u32 max_seen_inflight;
	/* host buffers handed out for the device's use, not yet freed */
	atomic_t frag_bufs;
	struct workqueue_struct *wq;
	struct raw_notifier_head nh;
	spinlock_t nh_lock;		/* notifier chain */
	/* resolver */
	u32 res_key;
	u64 res_addr;
	/* devices */
	struct pci_dev *pdev;
	struct mlx5_core_dev *mdev;
	struct mlx5_adev *madev;
	struct dentry *dbg;
	struct dentry *dev_root;
	struct mlx5_flow_namespace *ns;
} m;

/* ---- object tables ---- */

static struct mobj *obj_find(enum mobj_type t, u32 id)
{
	struct mobj *o;

	list_for_each_entry(o, &m.objs[t], node)
		if (o->id == id)
			return o;
	return NULL;
}

static struct mobj *obj_new(enum mobj_type t)
{
	struct mobj *o = kzalloc(sizeof(*o), GFP_KERNEL);

	if (!o)
		return NULL;
	o->type = t;
	o->id = ++m.next_id[t];
	list_add_tail(&o->node, &m.objs[t]);
	m.count[t]++;
	return o;
}

static void obj_free(struct mobj *o)
{
	list_del(&o->node);
	m.count[o->type]--;
	if (o->type == MO_MKEY)
		kvfree(o->mkey.ent);
	kfree(o);
}

static void violation(const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_warn("mlx5_model: rule broken: %pV\n", &vaf);
	va_end(args);
	m.violations++;
}

/* ---- command execution ---- */

struct cmd {
	void *in, *out;
	int inlen, outlen;
	u16 opcode, op_mod, obj_type;
	u32 obj_id;
	u32 note;
	u32 syndrome;
};

#define IN(typ, fld)	MLX5_GET(typ, c->in, fld)
#define IN64(typ, fld)	MLX5_GET64(typ, c->in, fld)
#define OUT(typ, fld, v) MLX5_SET(typ, c->out, fld, v)

static bool need(struct cmd *c, int inbytes, int outbytes)
{
	return c->inlen >= inbytes && c->outlen >= outbytes;
}

#define NEED(typ) need(c, MLX5_ST_SZ_BYTES(typ##_in), MLX5_ST_SZ_BYTES(typ##_out))

static u8 destroy(struct cmd *c, enum mobj_type t, u32 id)
{
	struct mobj *o = obj_find(t, id);

	c->obj_id = id;
	if (!o) {
		/* a driver destroys only what it created, and only once */
		violation("destroy of %s %u, which does not exist", mobj_name[t], id);
		return MLX5_CMD_STAT_BAD_RES_ERR;
	}
	obj_free(o);
	return 0;
}

static u8 create(struct cmd *c, enum mobj_type t, struct mobj **op)
{
	struct mobj *o = obj_new(t);

	if (!o)
		return MLX5_CMD_STAT_LIM_ERR;
	c->obj_id = o->id;
	if (op)
		*op = o;
	return 0;
}

/* Creates an object of table @t and answers its id in field @fld of the
 * outbox @typ; evaluates to the status. */
#define CREATED(t, typ, fld) ({				\
	u8 __st = create(c, t, NULL);			\
							\
	if (!__st)					\
		OUT(typ, fld, c->obj_id);		\
	__st;						\
})

/* An mkey that a KLM entry or a virtqueue may reference. */
static bool mkey_ok(u32 key)
{
	return key == m.null_mkey || obj_find(MO_MKEY, mlx5_mkey_to_idx(key));
}

static u8 create_mkey(struct cmd *c)
{
	void *mkc = MLX5_ADDR_OF(create_mkey_in, c->in, memory_key_mkey_entry);
	u32 octw = MLX5_GET(mkc, mkc, translations_octword_size);
	u32 actual = IN(create_mkey_in, translations_octword_actual_size);
	u8 mode = MLX5_GET(mkc, mkc, access_mode_1_0) |
		  (MLX5_GET(mkc, mkc, access_mode_4_2) << 2);
	int hdr = MLX5_ST_SZ_BYTES(create_mkey_in);
	u32 nent = 0, esz = 0, i, expect;
	struct mobj *o;
	u8 st;

	if (!need(c, hdr, MLX5_ST_SZ_BYTES(create_mkey_out)))
		return MLX5_CMD_STAT_BAD_INP_LEN_ERR;
	switch (mode) {
	case MLX5_MKC_ACCESS_MODE_PA:
		expect = hdr;
		break;
	case MLX5_MKC_ACCESS_MODE_MTT:
		/* octwords of 16 bytes, two MTT entries each */
		esz = 8;
		nent = octw * 2;
		expect = hdr + octw * 16;
		if (actual != octw)
			violation("MTT mkey: actual size %u, octword size %u", actual, octw);
		break;
	case MLX5_MKC_ACCESS_MODE_KLMS:
		/* actual size counts KLM entries, one octword each */
		esz = sizeof(struct mlx5_klm);
		nent = actual;
		expect = hdr + octw * 16;
		if (actual > octw)
			return MLX5_CMD_STAT_BAD_PARAM_ERR;
		break;
	default:
		return MLX5_CMD_STAT_BAD_PARAM_ERR;
	}
	if (c->inlen < expect)
		return MLX5_CMD_STAT_BAD_INP_LEN_ERR;
	if (c->inlen != expect)
		c->note |= TN_INLEN;
	if (!obj_find(MO_PD, MLX5_GET(mkc, mkc, pd)))
		return MLX5_CMD_STAT_BAD_RES_ERR;
	if (mode == MLX5_MKC_ACCESS_MODE_KLMS) {
		struct mlx5_klm *k = MLX5_ADDR_OF(create_mkey_in, c->in, klm_pas_mtt);
		u64 sum = 0;

		for (i = 0; i < nent; i++) {
			if (!mkey_ok(be32_to_cpu(k[i].key)))
				return MLX5_CMD_STAT_BAD_RES_ERR;
			sum += be32_to_cpu(k[i].bcount);
		}
		if (sum != MLX5_GET64(mkc, mkc, len))
			violation("KLM mkey: entries cover %llu bytes, length %llu",
				  sum, MLX5_GET64(mkc, mkc, len));
	}
	st = create(c, MO_MKEY, &o);
	if (st)
		return st;
	o->mkey.mode = mode;
	o->mkey.lr = MLX5_GET(mkc, mkc, lr);
	o->mkey.lw = MLX5_GET(mkc, mkc, lw);
	o->mkey.len64 = MLX5_GET(mkc, mkc, length64);
	o->mkey.log_page_size = MLX5_GET(mkc, mkc, log_page_size);
	o->mkey.pd = MLX5_GET(mkc, mkc, pd);
	o->mkey.start = MLX5_GET64(mkc, mkc, start_addr);
	o->mkey.len = MLX5_GET64(mkc, mkc, len);
	o->mkey.nent = nent;
	if (nent) {
		o->mkey.ent = kvmalloc_array(nent, esz, GFP_KERNEL);
		if (!o->mkey.ent) {
			obj_free(o);
			return MLX5_CMD_STAT_LIM_ERR;
		}
		memcpy(o->mkey.ent, MLX5_ADDR_OF(create_mkey_in, c->in, klm_pas_mtt),
		       nent * esz);
	}
	OUT(create_mkey_out, mkey_index, o->id);
	return 0;
}

static u8 destroy_mkey(struct cmd *c)
{
	u32 idx = IN(destroy_mkey_in, mkey_index);
	u32 key = mlx5_idx_to_mkey(idx);
	struct mobj *o;

	list_for_each_entry(o, &m.objs[MO_VIRTQ], node)
		if (o->vq.mkey == key || o->vq.desc_mkey == key)
			violation("mkey 0x%x destroyed while virtq %u uses it", key, o->id);
	list_for_each_entry(o, &m.objs[MO_MKEY], node) {
		struct mlx5_klm *k = o->mkey.ent;
		u32 i;

		if (o->mkey.mode != MLX5_MKC_ACCESS_MODE_KLMS)
			continue;
		for (i = 0; i < o->mkey.nent; i++)
			if (be32_to_cpu(k[i].key) == key)
				violation("mkey 0x%x destroyed while KLM mkey 0x%x names it",
					  key, mlx5_idx_to_mkey(o->id));
	}
	return destroy(c, MO_MKEY, idx);
}

static u8 create_umem(struct cmd *c)
{
	void *um = MLX5_ADDR_OF(create_umem_in, c->in, umem);
	u64 n = MLX5_GET64(umem, um, num_of_mtt);
	struct mobj *o;
	u8 st;

	if (c->inlen < MLX5_ST_SZ_BYTES(create_umem_in) + n * MLX5_ST_SZ_BYTES(mtt))
		return MLX5_CMD_STAT_BAD_INP_LEN_ERR;
	st = create(c, MO_UMEM, &o);
	if (st)
		return st;
	o->umem.npages = n;
	o->umem.log_page_size = MLX5_GET(umem, um, log_page_size);
	OUT(create_umem_out, umem_id, o->id);
	return 0;
}

/* The buffer size a virtqueue of @size entries needs in umem @i. */
static u64 umem_need(int i, u16 size)
{
	static const u32 a[3] = { 128, 128, 128 }, b[3] = { 4096, 4096, 4096 };

	return (u64)a[i] * size + b[i];
}

static u8 vq_fields(struct cmd *c, struct mobj *o, void *obj, u64 sel)
{
	void *q = MLX5_ADDR_OF(virtio_net_q_object, obj, virtio_q_context);

	if (sel & MLX5_VIRTQ_MODIFY_MASK_VIRTIO_Q_ADDRS) {
		o->vq.desc = MLX5_GET64(virtio_q, q, desc_addr);
		o->vq.used = MLX5_GET64(virtio_q, q, used_addr);
		o->vq.avail = MLX5_GET64(virtio_q, q, available_addr);
	}
	if (sel & MLX5_VIRTQ_MODIFY_MASK_VIRTIO_Q_AVAIL_IDX)
		o->vq.avail_idx = MLX5_GET(virtio_net_q_object, obj, hw_available_index);
	if (sel & MLX5_VIRTQ_MODIFY_MASK_VIRTIO_Q_USED_IDX)
		o->vq.used_idx = MLX5_GET(virtio_net_q_object, obj, hw_used_index);
	if (sel & MLX5_VIRTQ_MODIFY_MASK_QUEUE_VIRTIO_VERSION)
		o->vq.v1 = MLX5_GET(virtio_q, q, virtio_version_1_0);
	if (sel & MLX5_VIRTQ_MODIFY_MASK_QUEUE_FEATURES)
		o->vq.features =
			MLX5_GET(virtio_net_q_object, obj, queue_feature_bit_mask_12_3) << 3 |
			MLX5_GET(virtio_net_q_object, obj, queue_feature_bit_mask_2_0);
	if (sel & MLX5_VIRTQ_MODIFY_MASK_VIRTIO_Q_MKEY) {
		u32 key = MLX5_GET(virtio_q, q, virtio_q_mkey);

		if (key && !mkey_ok(key))
			return MLX5_CMD_STAT_BAD_RES_ERR;
		o->vq.mkey = key;
	}
	if (sel & MLX5_VIRTQ_MODIFY_MASK_DESC_GROUP_MKEY) {
		u32 key = MLX5_GET(virtio_q, q, desc_group_mkey);

		if (!desc_group_mkey)
			return MLX5_CMD_STAT_BAD_PARAM_ERR;
		if (key && !mkey_ok(key))
			return MLX5_CMD_STAT_BAD_RES_ERR;
		o->vq.desc_mkey = key;
	}
	return 0;
}

#define VQ_ALL_FIELDS (MLX5_VIRTQ_MODIFY_MASK_VIRTIO_Q_ADDRS | \
		       MLX5_VIRTQ_MODIFY_MASK_VIRTIO_Q_AVAIL_IDX | \
		       MLX5_VIRTQ_MODIFY_MASK_VIRTIO_Q_USED_IDX | \
		       MLX5_VIRTQ_MODIFY_MASK_QUEUE_VIRTIO_VERSION | \
		       MLX5_VIRTQ_MODIFY_MASK_QUEUE_FEATURES | \
		       MLX5_VIRTQ_MODIFY_MASK_VIRTIO_Q_MKEY)

static u8 create_virtq(struct cmd *c)
{
	void *obj = MLX5_ADDR_OF(create_virtio_net_q_in, c->in, obj_context);
	void *q = MLX5_ADDR_OF(virtio_net_q_object, obj, virtio_q_context);
	u64 sel = VQ_ALL_FIELDS;
	struct mobj *o;
	int i;
	u8 st;

	if (!need(c, MLX5_ST_SZ_BYTES(create_virtio_net_q_in),
		  MLX5_ST_SZ_BYTES(general_obj_out_cmd_hdr)))
		return MLX5_CMD_STAT_BAD_INP_LEN_ERR;
	if (m.count[MO_VIRTQ] >= max_virtio_queues)
		return MLX5_CMD_STAT_LIM_ERR;
	if (!obj_find(MO_PD, MLX5_GET(virtio_q, q, pd)))
		return MLX5_CMD_STAT_BAD_RES_ERR;
	if (MLX5_GET(virtio_q, q, event_mode) == MLX5_VIRTIO_Q_EVENT_MODE_QP_MODE &&
	    !obj_find(MO_QP, MLX5_GET(virtio_q, q, event_qpn_or_msix)))
		return MLX5_CMD_STAT_BAD_RES_ERR;
	{
		const u32 id[3] = { MLX5_GET(virtio_q, q, umem_1_id), MLX5_GET(virtio_q, q, umem_2_id),
				    MLX5_GET(virtio_q, q, umem_3_id) };
		const u32 size[3] = { MLX5_GET(virtio_q, q, umem_1_size),
				      MLX5_GET(virtio_q, q, umem_2_size),
				      MLX5_GET(virtio_q, q, umem_3_size) };

		for (i = 0; i < 3; i++) {
			struct mobj *u = obj_find(MO_UMEM, id[i]);

			if (!u)
				return MLX5_CMD_STAT_BAD_RES_ERR;
			if (size[i] < umem_need(i, MLX5_GET(virtio_q, q, queue_size)) ||
			    size[i] > u->umem.npages << (u->umem.log_page_size + 12))
				return MLX5_CMD_STAT_BAD_PARAM_ERR;
		}
	}
	if (!is_power_of_2(MLX5_GET(virtio_q, q, queue_size)))
		return MLX5_CMD_STAT_BAD_PARAM_ERR;
	if (desc_group_mkey)
		sel |= MLX5_VIRTQ_MODIFY_MASK_DESC_GROUP_MKEY;
	st = create(c, MO_VIRTQ, &o);
	if (st)
		return st;
	o->state = MLX5_VIRTIO_NET_Q_OBJECT_STATE_INIT;
	o->vq.index = MLX5_GET(virtio_q, q, queue_index);
	o->vq.size = MLX5_GET(virtio_q, q, queue_size);
	o->vq.event_mode = MLX5_GET(virtio_q, q, event_mode);
	o->vq.event = MLX5_GET(virtio_q, q, event_qpn_or_msix);
	o->vq.tisn = MLX5_GET(virtio_net_q_object, obj, tisn_or_qpn);
	o->vq.pd = MLX5_GET(virtio_q, q, pd);
	o->vq.counter = MLX5_GET(virtio_q, q, counter_set_id);
	o->vq.umem[0] = MLX5_GET(virtio_q, q, umem_1_id);
	o->vq.umem[1] = MLX5_GET(virtio_q, q, umem_2_id);
	o->vq.umem[2] = MLX5_GET(virtio_q, q, umem_3_id);
	st = vq_fields(c, o, obj, sel);
	if (st) {
		obj_free(o);
		return st;
	}
	MLX5_SET(general_obj_out_cmd_hdr, c->out, obj_id, o->id);
	return 0;
}

static bool vq_transition_ok(u32 from, u32 to)
{
	switch (from) {
	case MLX5_VIRTIO_NET_Q_OBJECT_STATE_INIT:
		return to == MLX5_VIRTIO_NET_Q_OBJECT_STATE_RDY;
	case MLX5_VIRTIO_NET_Q_OBJECT_STATE_RDY:
		return to == MLX5_VIRTIO_NET_Q_OBJECT_STATE_SUSPEND;
	case MLX5_VIRTIO_NET_Q_OBJECT_STATE_SUSPEND:
		return freeze_to_rdy && to == MLX5_VIRTIO_NET_Q_OBJECT_STATE_RDY;
	default:
		return false;
	}
}

static u8 modify_virtq(struct cmd *c, struct mobj *o)
{
	void *obj = MLX5_ADDR_OF(modify_virtio_net_q_in, c->in, obj_context);
	u64 sel = MLX5_GET64(virtio_net_q_object, obj, modify_field_select);
	u32 to = MLX5_GET(virtio_net_q_object, obj, state);
	struct mobj save = *o;
	u8 st;

	if (!need(c, MLX5_ST_SZ_BYTES(modify_virtio_net_q_in),
		  MLX5_ST_SZ_BYTES(general_obj_out_cmd_hdr)))
		return MLX5_CMD_STAT_BAD_INP_LEN_ERR;
	if (sel & ~(VQ_ALL_FIELDS | MLX5_VIRTQ_MODIFY_MASK_STATE |
		    MLX5_VIRTQ_MODIFY_MASK_DESC_GROUP_MKEY))
		return MLX5_CMD_STAT_BAD_PARAM_ERR;
	/* Fields other than the state change only in INIT or SUSPEND; with
	 * a state change they apply before it. */
	if ((sel & ~MLX5_VIRTQ_MODIFY_MASK_STATE) &&
	    o->state != MLX5_VIRTIO_NET_Q_OBJECT_STATE_INIT &&
	    o->state != MLX5_VIRTIO_NET_Q_OBJECT_STATE_SUSPEND)
		return MLX5_CMD_STAT_BAD_RES_STATE_ERR;
	if ((sel & MLX5_VIRTQ_MODIFY_MASK_STATE) && !vq_transition_ok(o->state, to))
		return MLX5_CMD_STAT_BAD_RES_STATE_ERR;
	st = vq_fields(c, o, obj, sel);
	if (st) {
		*o = save;
		return st;
	}
	if (sel & MLX5_VIRTQ_MODIFY_MASK_STATE) {
		if (to == MLX5_VIRTIO_NET_Q_OBJECT_STATE_RDY &&
		    (!o->vq.mkey || (!o->vq.desc && !o->vq.used && !o->vq.avail)))
			/* IOVA 0 is a valid ring address, but three rings
			 * cannot all start there */
			violation("virtq %u made ready without mkey or ring addresses", o->id);
		o->state = to;
	}
	return 0;
}

static u8 general_obj(struct cmd *c)
{
	u16 type = IN(general_obj_in_cmd_hdr, obj_type);
	u32 id = IN(general_obj_in_cmd_hdr, obj_id);
	enum mobj_type t;
	struct mobj *o;

	c->obj_type = type;
	c->obj_id = id;
	if (type == MLX5_OBJ_TYPE_VIRTIO_NET_Q)
		t = MO_VIRTQ;
	else if (type == MLX5_OBJ_TYPE_VIRTIO_Q_COUNTERS && q_counters)
		t = MO_QCNT;
	else
		return MLX5_CMD_STAT_BAD_PARAM_ERR;
	if (c->inlen < MLX5_ST_SZ_BYTES(general_obj_in_cmd_hdr) ||
	    c->outlen < MLX5_ST_SZ_BYTES(general_obj_out_cmd_hdr))
		return MLX5_CMD_STAT_BAD_INP_LEN_ERR;

	switch (c->opcode) {
	case MLX5_CMD_OP_CREATE_GENERAL_OBJECT:
		if (t == MO_VIRTQ)
			return create_virtq(c);
		if (create(c, MO_QCNT, &o))
			return MLX5_CMD_STAT_LIM_ERR;
		MLX5_SET(general_obj_out_cmd_hdr, c->out, obj_id, o->id);
		return 0;
	case MLX5_CMD_OP_DESTROY_GENERAL_OBJECT:
		return destroy(c, t, id);
	}
	o = obj_find(t, id);
	if (!o)
		return MLX5_CMD_STAT_BAD_RES_ERR;
	switch (c->opcode) {
	case MLX5_CMD_OP_MODIFY_GENERAL_OBJECT:
		if (t != MO_VIRTQ)
			return MLX5_CMD_STAT_BAD_OP_ERR;
		return modify_virtq(c, o);
	case MLX5_CMD_OP_QUERY_GENERAL_OBJECT:
		if (t == MO_VIRTQ) {
			void *obj = MLX5_ADDR_OF(query_virtio_net_q_out, c->out, obj_context);

			if (c->outlen < MLX5_ST_SZ_BYTES(query_virtio_net_q_out))
				return MLX5_CMD_STAT_BAD_OUTP_LEN_ERR;
			MLX5_SET(virtio_net_q_object, obj, state, o->state);
			MLX5_SET(virtio_net_q_object, obj, hw_available_index, o->vq.avail_idx);
			MLX5_SET(virtio_net_q_object, obj, hw_used_index, o->vq.used_idx);
		} else if (c->outlen < MLX5_ST_SZ_BYTES(query_virtio_q_counters_out)) {
			return MLX5_CMD_STAT_BAD_OUTP_LEN_ERR;
		}
		/* no data path: the counters stay 0 */
		return 0;
	}
	return MLX5_CMD_STAT_BAD_OP_ERR;
}

static u8 qp_modify(struct cmd *c, u32 from, u32 to)
{
	u32 qpn = IN(rst2init_qp_in, qpn);
	struct mobj *o = obj_find(MO_QP, qpn);

	c->obj_id = qpn;
	if (!o)
		return MLX5_CMD_STAT_BAD_RES_ERR;
	if (from != U32_MAX && o->state != from)
		return MLX5_CMD_STAT_BAD_QP_STATE_ERR;
	if (to == QP_RTR) {
		void *qpc = MLX5_ADDR_OF(init2rtr_qp_in, c->in, qpc);

		o->qp.qpn_remote = MLX5_GET(qpc, qpc, remote_qpn);
		if (!obj_find(MO_QP, o->qp.qpn_remote))
			return MLX5_CMD_STAT_BAD_PARAM_ERR;
	}
	o->state = to;
	return 0;
}

static u8 create_qp(struct cmd *c)
{
	void *qpc = MLX5_ADDR_OF(create_qp_in, c->in, qpc);
	struct mobj *o;
	u8 st;

	if (!NEED(create_qp))
		return MLX5_CMD_STAT_BAD_INP_LEN_ERR;
	if (!obj_find(MO_PD, MLX5_GET(qpc, qpc, pd)))
		return MLX5_CMD_STAT_BAD_RES_ERR;
	/* the firmware side of the pair has no CQ; the driver side names its own */
	if (MLX5_GET(qpc, qpc, cqn_rcv) && !obj_find(MO_CQ, MLX5_GET(qpc, qpc, cqn_rcv)))
		return MLX5_CMD_STAT_BAD_RES_ERR;
	st = create(c, MO_QP, &o);
	if (st)
		return st;
	o->state = QP_RST;
	OUT(create_qp_out, qpn, o->id);
	return 0;
}

static u8 query_hca_cap(struct cmd *c)
{
	u16 op_mod = c->op_mod;
	int cap = op_mod >> 1;
	void *caps;

	if (!NEED(query_hca_cap))
		return MLX5_CMD_STAT_BAD_INP_LEN_ERR;
	if (cap != MLX5_CAP_GENERAL && cap != MLX5_CAP_VDPA_EMULATION)
		return MLX5_CMD_STAT_BAD_PARAM_ERR;
	caps = MLX5_ADDR_OF(query_hca_cap_out, c->out, capability);
	memcpy(caps, (op_mod & 1) ? m.mdev->caps.hca[cap]->cur : m.mdev->caps.hca[cap]->max,
	       MLX5_UN_SZ_BYTES(hca_cap_union));
	if (cap == MLX5_CAP_VDPA_EMULATION) {
		/* the umem parameters are only in the live reply */
		MLX5_SET(virtio_emulation_cap, caps, umem_1_buffer_param_a, 128);
		MLX5_SET(virtio_emulation_cap, caps, umem_1_buffer_param_b, 4096);
		MLX5_SET(virtio_emulation_cap, caps, umem_2_buffer_param_a, 128);
		MLX5_SET(virtio_emulation_cap, caps, umem_2_buffer_param_b, 4096);
		MLX5_SET(virtio_emulation_cap, caps, umem_3_buffer_param_a, 128);
		MLX5_SET(virtio_emulation_cap, caps, umem_3_buffer_param_b, 4096);
	}
	return 0;
}

/* Runs one command against the tables. Called with m.lock held. */
static u8 model_exec(struct cmd *c)
{
	u32 id;

	switch (c->opcode) {
	case MLX5_CMD_OP_QUERY_HCA_CAP:
		return query_hca_cap(c);
	case MLX5_CMD_OP_CREATE_UCTX:
		if (umem_uid_0)
			violation("CREATE_UCTX with umem_uid_0");
		return CREATED(MO_UCTX, create_uctx_out, uid);
	case MLX5_CMD_OP_DESTROY_UCTX:
		return destroy(c, MO_UCTX, IN(destroy_uctx_in, uid));
	case MLX5_CMD_OP_ALLOC_PD:
		if (!NEED(alloc_pd))
			return MLX5_CMD_STAT_BAD_INP_LEN_ERR;
		return CREATED(MO_PD, alloc_pd_out, pd);
	case MLX5_CMD_OP_DEALLOC_PD:
		return destroy(c, MO_PD, IN(dealloc_pd_in, pd));
	case MLX5_CMD_OP_QUERY_SPECIAL_CONTEXTS:
		if (!NEED(query_special_contexts))
			return MLX5_CMD_STAT_BAD_INP_LEN_ERR;
		OUT(query_special_contexts_out, null_mkey, m.null_mkey);
		return 0;
	case MLX5_CMD_OP_ALLOC_TRANSPORT_DOMAIN:
		return CREATED(MO_TD, alloc_transport_domain_out, transport_domain);
	case MLX5_CMD_OP_DEALLOC_TRANSPORT_DOMAIN:
		return destroy(c, MO_TD, IN(dealloc_transport_domain_in, transport_domain));
	case MLX5_CMD_OP_CREATE_TIS: {
		void *tisc = MLX5_ADDR_OF(create_tis_in, c->in, ctx);

		if (!NEED(create_tis))
			return MLX5_CMD_STAT_BAD_INP_LEN_ERR;
		if (!obj_find(MO_TD, MLX5_GET(tisc, tisc, transport_domain)))
			return MLX5_CMD_STAT_BAD_RES_ERR;
		return CREATED(MO_TIS, create_tis_out, tisn);
	}
	case MLX5_CMD_OP_DESTROY_TIS:
		return destroy(c, MO_TIS, IN(destroy_tis_in, tisn));
	case MLX5_CMD_OP_CREATE_RQT:
	case MLX5_CMD_OP_MODIFY_RQT: {
		bool mod = c->opcode == MLX5_CMD_OP_MODIFY_RQT;
		void *rqtc = mod ? MLX5_ADDR_OF(modify_rqt_in, c->in, ctx) :
				   MLX5_ADDR_OF(create_rqt_in, c->in, rqt_context);
		u32 n = MLX5_GET(rqtc, rqtc, rqt_actual_size), i;
		__be32 *list = MLX5_ADDR_OF(rqtc, rqtc, rq_num[0]);
		int hdr = mod ? MLX5_ST_SZ_BYTES(modify_rqt_in) : MLX5_ST_SZ_BYTES(create_rqt_in);

		if (c->inlen < hdr + n * 4 || n > MLX5_GET(rqtc, rqtc, rqt_max_size))
			return MLX5_CMD_STAT_BAD_INP_LEN_ERR;
		for (i = 0; i < n; i++) {
			struct mobj *q = obj_find(MO_VIRTQ, be32_to_cpu(list[i]));

			if (!q)
				return MLX5_CMD_STAT_BAD_RES_ERR;
			if (q->vq.index & 1)
				violation("RQT names TX virtq %u", q->id);
		}
		if (mod) {
			c->obj_id = IN(modify_rqt_in, rqtn);
			return obj_find(MO_RQT, c->obj_id) ? 0 : MLX5_CMD_STAT_BAD_RES_ERR;
		}
		return CREATED(MO_RQT, create_rqt_out, rqtn);
	}
	case MLX5_CMD_OP_DESTROY_RQT:
		return destroy(c, MO_RQT, IN(destroy_rqt_in, rqtn));
	case MLX5_CMD_OP_CREATE_TIR: {
		void *tirc = MLX5_ADDR_OF(create_tir_in, c->in, ctx);

		if (!NEED(create_tir))
			return MLX5_CMD_STAT_BAD_INP_LEN_ERR;
		if (!obj_find(MO_TD, MLX5_GET(tirc, tirc, transport_domain)) ||
		    !obj_find(MO_RQT, MLX5_GET(tirc, tirc, indirect_table)))
			return MLX5_CMD_STAT_BAD_RES_ERR;
		return CREATED(MO_TIR, create_tir_out, tirn);
	}
	case MLX5_CMD_OP_DESTROY_TIR:
		return destroy(c, MO_TIR, IN(destroy_tir_in, tirn));
	case MLX5_CMD_OP_CREATE_MKEY:
		return create_mkey(c);
	case MLX5_CMD_OP_DESTROY_MKEY:
		return destroy_mkey(c);
	case MLX5_CMD_OP_CREATE_UMEM:
		return create_umem(c);
	case MLX5_CMD_OP_DESTROY_UMEM:
		id = IN(destroy_umem_in, umem_id);
		{
			struct mobj *o;

			list_for_each_entry(o, &m.objs[MO_VIRTQ], node)
				if (o->vq.umem[0] == id || o->vq.umem[1] == id ||
				    o->vq.umem[2] == id)
					return MLX5_CMD_STAT_BAD_RES_STATE_ERR;
		}
		return destroy(c, MO_UMEM, id);
	case MLX5_CMD_OP_CREATE_CQ:
		return CREATED(MO_CQ, create_cq_out, cqn);
	case MLX5_CMD_OP_DESTROY_CQ:
		return destroy(c, MO_CQ, IN(destroy_cq_in, cqn));
	case MLX5_CMD_OP_CREATE_QP:
		return create_qp(c);
	case MLX5_CMD_OP_DESTROY_QP:
		id = IN(destroy_qp_in, qpn);
		{
			struct mobj *o;

			list_for_each_entry(o, &m.objs[MO_VIRTQ], node)
				if (o->vq.event_mode == MLX5_VIRTIO_Q_EVENT_MODE_QP_MODE &&
				    o->vq.event == id)
					violation("QP %u destroyed while virtq %u signals it",
						  id, o->id);
		}
		return destroy(c, MO_QP, id);
	case MLX5_CMD_OP_2RST_QP:
		return qp_modify(c, U32_MAX, QP_RST);
	case MLX5_CMD_OP_RST2INIT_QP:
		return qp_modify(c, QP_RST, QP_INIT);
	case MLX5_CMD_OP_INIT2RTR_QP:
		return qp_modify(c, QP_INIT, QP_RTR);
	case MLX5_CMD_OP_RTR2RTS_QP:
		return qp_modify(c, QP_RTR, QP_RTS);
	case MLX5_CMD_OP_CREATE_GENERAL_OBJECT:
	case MLX5_CMD_OP_MODIFY_GENERAL_OBJECT:
	case MLX5_CMD_OP_QUERY_GENERAL_OBJECT:
	case MLX5_CMD_OP_DESTROY_GENERAL_OBJECT:
		return general_obj(c);
	case MLX5_CMD_OP_MODIFY_NIC_VPORT_CONTEXT:
		if (!NEED(modify_nic_vport_context))
			return MLX5_CMD_STAT_BAD_INP_LEN_ERR;
		if (IN(modify_nic_vport_context_in, field_select.mtu)) {
			u16 mtu = IN(modify_nic_vport_context_in, nic_vport_context.mtu);

			if (mtu < 68 + 22 || mtu > 9978)
				return MLX5_CMD_STAT_BAD_PARAM_ERR;
			m.mtu = mtu;
		}
		return 0;
	case MLX5_CMD_OP_QUERY_NIC_VPORT_CONTEXT: {
		void *ctx = MLX5_ADDR_OF(query_nic_vport_context_out, c->out, nic_vport_context);

		if (!NEED(query_nic_vport_context))
			return MLX5_CMD_STAT_BAD_INP_LEN_ERR;
		MLX5_SET(nic_vport_context, ctx, mtu, m.mtu);
		ether_addr_copy(MLX5_ADDR_OF(nic_vport_context, ctx,
					     permanent_address) + 2, m.mac);
		return 0;
	}
	case MLX5_CMD_OP_QUERY_VPORT_STATE:
		if (!NEED(query_vport_state))
			return MLX5_CMD_STAT_BAD_INP_LEN_ERR;
		OUT(query_vport_state_out, state,
		    m.link_up ? VPORT_STATE_UP : VPORT_STATE_DOWN);
		return 0;
	case OP_ALLOC_UAR:
	case OP_CREATE_FLOW_TABLE:
	case OP_SET_FTE:
	case OP_ALLOC_FC:
	case OP_SET_L2: {
		static const enum mobj_type t[] = {
			[0] = MO_UAR, [1] = MO_FT, [2] = MO_RULE, [3] = MO_FC, [4] = MO_MAC,
		};
		int k = c->opcode == OP_ALLOC_UAR ? 0 : c->opcode == OP_CREATE_FLOW_TABLE ? 1 :
			c->opcode == OP_SET_FTE ? 2 : c->opcode == OP_ALLOC_FC ? 3 : 4;

		return create(c, t[k], NULL);
	}
	case OP_DEALLOC_UAR:
		return destroy(c, MO_UAR, c->obj_id);
	case OP_DESTROY_FLOW_TABLE:
		if (m.count[MO_RULE])
			violation("flow table destroyed with %u rules", m.count[MO_RULE]);
		return destroy(c, MO_FT, c->obj_id);
	case OP_DELETE_FTE:
		return destroy(c, MO_RULE, c->obj_id);
	case OP_DEALLOC_FC:
		return destroy(c, MO_FC, c->obj_id);
	case OP_QUERY_FC:
		return obj_find(MO_FC, c->obj_id) ? 0 : MLX5_CMD_STAT_BAD_RES_ERR;
	case OP_DEL_L2:
		return destroy(c, MO_MAC, c->obj_id);
	}
	return MLX5_CMD_STAT_BAD_OP_ERR;
}

static bool is_teardown(u16 op)
{
	switch (op) {
	case MLX5_CMD_OP_DESTROY_UCTX: case MLX5_CMD_OP_DEALLOC_PD:
	case MLX5_CMD_OP_DEALLOC_TRANSPORT_DOMAIN: case MLX5_CMD_OP_DESTROY_TIS:
	case MLX5_CMD_OP_DESTROY_RQT: case MLX5_CMD_OP_DESTROY_TIR:
	case MLX5_CMD_OP_DESTROY_MKEY: case MLX5_CMD_OP_DESTROY_UMEM:
	case MLX5_CMD_OP_DESTROY_CQ: case MLX5_CMD_OP_DESTROY_QP:
	case MLX5_CMD_OP_DESTROY_GENERAL_OBJECT: case OP_DEALLOC_UAR:
	case OP_DESTROY_FLOW_TABLE: case OP_DELETE_FTE: case OP_DEALLOC_FC:
	case OP_DEL_L2:
		return true;
	}
	return false;
}

/* Traces, injects and runs one command; returns its firmware status. */
static u8 model_cmd(struct cmd *c, bool async)
{
	struct trace_ent *t = NULL;
	u8 st;

	mutex_lock(&m.lock);
	m.seq++;
	if (m.ntrace < TRACE_MAX && m.trace)
		t = &m.trace[m.ntrace++];
	if (m.inj_opcode == c->opcode && m.inj_nth && ++m.inj_count == m.inj_nth)
		c->note |= TN_INJECTED;
	if (m.inj_seq && m.seq == m.inj_seq)
		c->note |= TN_INJECTED;
	if (c->note & TN_INJECTED) {
		m.injected++;
		/* A teardown command is carried out and then fails: no driver
		 * can free what the firmware keeps, so the test is that it
		 * survives the error reply without freeing twice. */
		if (is_teardown(c->opcode))
			model_exec(c);
		st = m.inj_status ?: MLX5_CMD_STAT_INT_ERR;
		c->syndrome = m.inj_syndrome ?: 0x5eed;
		if (c->opcode == MLX5_CMD_OP_CREATE_GENERAL_OBJECT ||
		    c->opcode == MLX5_CMD_OP_MODIFY_GENERAL_OBJECT ||
		    c->opcode == MLX5_CMD_OP_QUERY_GENERAL_OBJECT ||
		    c->opcode == MLX5_CMD_OP_DESTROY_GENERAL_OBJECT) {
			c->obj_type = MLX5_GET(general_obj_in_cmd_hdr, c->in, obj_type);
			c->obj_id = MLX5_GET(general_obj_in_cmd_hdr, c->in, obj_id);
		}
	} else {
		u32 before = m.violations;

		st = model_exec(c);
		if (m.violations != before)
			c->note |= TN_RULE;
	}
	if (c->outlen >= 8) {
		MLX5_SET(mbox_out, c->out, status, st);
		MLX5_SET(mbox_out, c->out, syndrome, st ? c->syndrome : 0);
	}
	if (t) {
		t->t_ns = ktime_get_ns();
		t->seq = m.seq;
		t->opcode = c->opcode;
		t->op_mod = c->op_mod;
		t->obj_type = c->obj_type;
		t->obj_id = c->obj_id;
		t->status = st;
		t->syndrome = st ? c->syndrome : 0;
		t->async = async;
		t->inflight = atomic_read(&m.inflight);
		t->note = c->note;
	}
	mutex_unlock(&m.lock);
	return st;
}

static void cmd_init(struct cmd *c, void *in, int inlen, void *out, int outlen)
{
	memset(c, 0, sizeof(*c));
	c->in = in;
	c->out = out;
	c->inlen = inlen;
	c->outlen = outlen;
	if (inlen >= 8) {
		c->opcode = MLX5_GET(mbox_in, in, opcode);
		c->op_mod = MLX5_GET(mbox_in, in, op_mod);
	}
	if (out && outlen > 0)
		memset(out, 0, outlen);
}

static int status_to_err(u8 status)
{
	switch (status) {
	case MLX5_CMD_STAT_OK:			return 0;
	case MLX5_CMD_STAT_BAD_OP_ERR:
	case MLX5_CMD_STAT_BAD_PARAM_ERR:
	case MLX5_CMD_STAT_BAD_RES_ERR:
	case MLX5_CMD_STAT_BAD_RES_STATE_ERR:
	case MLX5_CMD_STAT_IX_ERR:
	case MLX5_CMD_STAT_BAD_QP_STATE_ERR:
	case MLX5_CMD_STAT_BAD_PKT_ERR:
	case MLX5_CMD_STAT_BAD_SIZE_OUTS_CQES_ERR: return -EINVAL;
	case MLX5_CMD_STAT_RES_BUSY:		return -EBUSY;
	case MLX5_CMD_STAT_NOT_READY:
	case MLX5_CMD_STAT_NO_RES_ERR:		return -EAGAIN;
	case MLX5_CMD_STAT_LIM_ERR:		return -ENOMEM;
	default:				return -EIO;
	}
}

/* A service of mlx5_core that the real one carries out with a firmware
 * command: runs a synthetic inbox with @opcode on object @id. */
static int model_service(u16 opcode, u32 *id)
{
	u32 in[MLX5_ST_SZ_DW(mbox_in)] = {}, out[MLX5_ST_SZ_DW(mbox_out)];
	struct cmd c;
	u8 st;

	MLX5_SET(mbox_in, in, opcode, opcode);
	cmd_init(&c, in, sizeof(in), out, sizeof(out));
	c.obj_id = id ? *id : 0;
	st = model_cmd(&c, false);
	if (id)
		*id = c.obj_id;
	return status_to_err(st);
}

/* ---- the exported mlx5_core interface ---- */

int mlx5_cmd_check(struct mlx5_core_dev *dev, int err, void *in, void *out)
{
	u8 st;

	if (err && err != -EREMOTEIO)
		return err;
	st = MLX5_GET(mbox_out, out, status);
	if (st)
		dev_dbg(dev->device, "mlx5_model: opcode 0x%x failed, status 0x%x syndrome 0x%x\n",
			MLX5_GET(mbox_in, in, opcode), st, MLX5_GET(mbox_out, out, syndrome));
	return status_to_err(st);
}
EXPORT_SYMBOL(mlx5_cmd_check);

int mlx5_cmd_exec(struct mlx5_core_dev *dev, void *in, int in_size, void *out, int out_size)
{
	struct cmd c;

	if (in_size < 8 || out_size < 8)
		return -EINVAL;
	cmd_init(&c, in, in_size, out, out_size);
	model_cmd(&c, false);
	return mlx5_cmd_check(dev, 0, in, out);
}
EXPORT_SYMBOL(mlx5_cmd_exec);

void mlx5_cmd_init_async_ctx(struct mlx5_core_dev *dev, struct mlx5_async_ctx *ctx)
{
	ctx->dev = dev;
	atomic_set(&ctx->num_inflight, 1);
	init_completion(&ctx->inflight_done);
}
EXPORT_SYMBOL(mlx5_cmd_init_async_ctx);

void mlx5_cmd_cleanup_async_ctx(struct mlx5_async_ctx *ctx)
{
	if (!atomic_dec_and_test(&ctx->num_inflight))
		wait_for_completion(&ctx->inflight_done);
}
EXPORT_SYMBOL(mlx5_cmd_cleanup_async_ctx);

struct async_cmd {
	struct work_struct work;
	struct cmd c;
	struct mlx5_async_work *aw;
};

static void async_complete(struct async_cmd *a)
{
	struct mlx5_async_work *aw = a->aw;
	struct mlx5_async_ctx *ctx = aw->ctx;
	u8 st;

	st = model_cmd(&a->c, true);
	atomic_dec(&m.inflight);
	kfree(a);
	aw->user_callback(st ? -EREMOTEIO : 0, aw);
	if (atomic_dec_and_test(&ctx->num_inflight))
		complete(&ctx->inflight_done);
}

static void async_work(struct work_struct *w)
{
	async_complete(container_of(w, struct async_cmd, work));
}

int mlx5_cmd_exec_cb(struct mlx5_async_ctx *ctx, void *in, int in_size, void *out,
		     int out_size, mlx5_async_cbk_t callback, struct mlx5_async_work *work)
{
	struct async_cmd *a;
	int n;

	if (in_size < 8 || out_size < 8)
		return -EINVAL;
	n = atomic_inc_return(&m.inflight);
	if (max_inflight && n > max_inflight) {
		atomic_dec(&m.inflight);
		return -EBUSY;
	}
	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a) {
		atomic_dec(&m.inflight);
		return -ENOMEM;
	}
	if (WARN_ON(!atomic_inc_not_zero(&ctx->num_inflight))) {
		atomic_dec(&m.inflight);
		kfree(a);
		return -EIO;
	}
	mutex_lock(&m.lock);
	m.max_seen_inflight = max_t(u32, m.max_seen_inflight, n);
	mutex_unlock(&m.lock);
	work->ctx = ctx;
	work->user_callback = callback;
	work->opcode = MLX5_GET(mbox_in, in, opcode);
	work->op_mod = MLX5_GET(mbox_in, in, op_mod);
	work->out = out;
	cmd_init(&a->c, in, in_size, out, out_size);
	a->aw = work;
	if (READ_ONCE(sync_callbacks)) {
		async_complete(a);
		return 0;
	}
	INIT_WORK(&a->work, async_work);
	queue_work(m.wq, &a->work);
	return 0;
}
EXPORT_SYMBOL(mlx5_cmd_exec_cb);

int mlx5_comp_eqn_get(struct mlx5_core_dev *dev, u16 vecidx, int *eqn)
{
	if (vecidx)
		return -EINVAL;
	*eqn = 7;
	return 0;
}
EXPORT_SYMBOL(mlx5_comp_eqn_get);

int mlx5_core_create_cq(struct mlx5_core_dev *dev, struct mlx5_core_cq *cq,
			u32 *in, int inlen, u32 *out, int outlen)
{
	int err;

	MLX5_SET(create_cq_in, in, opcode, MLX5_CMD_OP_CREATE_CQ);
	err = mlx5_cmd_exec(dev, in, inlen, out, outlen);
	if (err)
		return err;
	cq->cqn = MLX5_GET(create_cq_out, out, cqn);
	cq->cons_index = 0;
	cq->arm_sn = 0;
	cq->uid = MLX5_GET(create_cq_in, in, uid);
	refcount_set(&cq->refcount, 1);
	init_completion(&cq->free);
	return 0;
}
EXPORT_SYMBOL(mlx5_core_create_cq);

int mlx5_core_destroy_cq(struct mlx5_core_dev *dev, struct mlx5_core_cq *cq)
{
	u32 in[MLX5_ST_SZ_DW(destroy_cq_in)] = {};

	MLX5_SET(destroy_cq_in, in, opcode, MLX5_CMD_OP_DESTROY_CQ);
	MLX5_SET(destroy_cq_in, in, cqn, cq->cqn);
	MLX5_SET(destroy_cq_in, in, uid, cq->uid);
	return mlx5_cmd_exec_in(dev, destroy_cq, in);
}
EXPORT_SYMBOL(mlx5_core_destroy_cq);

int mlx5_db_alloc_node(struct mlx5_core_dev *dev, struct mlx5_db *db, int node)
{
	db->db = dma_alloc_coherent(dev->device, cache_line_size(), &db->dma, GFP_KERNEL);
	if (!db->db)
		return -ENOMEM;
	db->index = 0;
	db->u.pgdir = NULL;
	memset(db->db, 0, cache_line_size());
	return 0;
}
EXPORT_SYMBOL(mlx5_db_alloc_node);

void mlx5_db_free(struct mlx5_core_dev *dev, struct mlx5_db *db)
{
	dma_free_coherent(dev->device, cache_line_size(), db->db, db->dma);
}
EXPORT_SYMBOL(mlx5_db_free);

int mlx5_frag_buf_alloc_node(struct mlx5_core_dev *dev, int size,
			     struct mlx5_frag_buf *buf, int node)
{
	int i;

	buf->size = size;
	buf->npages = DIV_ROUND_UP(size, PAGE_SIZE);
	buf->page_shift = PAGE_SHIFT;
	buf->frags = kcalloc(buf->npages, sizeof(*buf->frags), GFP_KERNEL);
	if (!buf->frags)
		return -ENOMEM;
	for (i = 0; i < buf->npages; i++) {
		buf->frags[i].buf = dma_alloc_coherent(dev->device, PAGE_SIZE,
						       &buf->frags[i].map, GFP_KERNEL);
		if (!buf->frags[i].buf)
			goto err;
	}
	/* A driver keeps a buffer whose object the firmware failed to
	 * destroy, since the device may still write to it: counted in
	 * objects instead of reported by kmemleak. */
	if (buf->npages)
		kmemleak_not_leak(buf->frags);
	atomic_inc(&m.frag_bufs);
	return 0;
err:
	while (--i >= 0)
		dma_free_coherent(dev->device, PAGE_SIZE, buf->frags[i].buf, buf->frags[i].map);
	kfree(buf->frags);
	buf->frags = NULL;
	return -ENOMEM;
}
EXPORT_SYMBOL(mlx5_frag_buf_alloc_node);

void mlx5_frag_buf_free(struct mlx5_core_dev *dev, struct mlx5_frag_buf *buf)
{
	int i;

	for (i = 0; i < buf->npages; i++)
		dma_free_coherent(dev->device, PAGE_SIZE, buf->frags[i].buf, buf->frags[i].map);
	kfree(buf->frags);
	atomic_dec(&m.frag_bufs);
}
EXPORT_SYMBOL(mlx5_frag_buf_free);

void mlx5_fill_page_frag_array_perm(struct mlx5_frag_buf *buf, __be64 *pas, u8 perm)
{
	int i;

	for (i = 0; i < buf->npages; i++)
		pas[i] = cpu_to_be64(buf->frags[i].map | perm);
}
EXPORT_SYMBOL(mlx5_fill_page_frag_array_perm);

void mlx5_fill_page_frag_array(struct mlx5_frag_buf *buf, __be64 *pas)
{
	mlx5_fill_page_frag_array_perm(buf, pas, 0);
}
EXPORT_SYMBOL(mlx5_fill_page_frag_array);

struct model_uar {
	struct mlx5_uars_page page;
	void *mem;
};

struct mlx5_uars_page *mlx5_get_uars_page(struct mlx5_core_dev *mdev)
{
	struct model_uar *u = kzalloc(sizeof(*u), GFP_KERNEL);
	int err;

	if (!u)
		return ERR_PTR(-ENOMEM);
	/* the doorbell writes (CQ arm) land in ordinary memory */
	u->mem = (void *)get_zeroed_page(GFP_KERNEL);
	if (!u->mem) {
		kfree(u);
		return ERR_PTR(-ENOMEM);
	}
	err = model_service(OP_ALLOC_UAR, &u->page.index);
	if (err) {
		free_page((unsigned long)u->mem);
		kfree(u);
		return ERR_PTR(err);
	}
	u->page.map = (void __iomem *)u->mem;
	u->page.mdev = mdev;
	kref_init(&u->page.ref_count);
	return &u->page;
}
EXPORT_SYMBOL(mlx5_get_uars_page);

void mlx5_put_uars_page(struct mlx5_core_dev *mdev, struct mlx5_uars_page *up)
{
	struct model_uar *u = container_of(up, struct model_uar, page);

	model_service(OP_DEALLOC_UAR, &up->index);
	free_page((unsigned long)u->mem);
	kfree(u);
}
EXPORT_SYMBOL(mlx5_put_uars_page);

struct dentry *mlx5_debugfs_get_dev_root(struct mlx5_core_dev *dev)
{
	return m.dev_root;
}
EXPORT_SYMBOL(mlx5_debugfs_get_dev_root);

/* Flow steering: the driver sees only opaque handles. */
struct model_handle {
	u32 id;
};

struct mlx5_flow_namespace *mlx5_get_flow_namespace(struct mlx5_core_dev *dev,
						    enum mlx5_flow_namespace_type type)
{
	return type == MLX5_FLOW_NAMESPACE_BYPASS ? m.ns : NULL;
}
EXPORT_SYMBOL(mlx5_get_flow_namespace);

static void *handle_new(u16 opcode)
{
	struct model_handle *h = kzalloc(sizeof(*h), GFP_KERNEL);
	int err;

	if (!h)
		return ERR_PTR(-ENOMEM);
	err = model_service(opcode, &h->id);
	if (err) {
		kfree(h);
		return ERR_PTR(err);
	}
	return h;
}

static int handle_free(void *p, u16 opcode)
{
	struct model_handle *h = p;
	int err = model_service(opcode, &h->id);

	kfree(h);
	return err;
}

struct mlx5_flow_table *mlx5_create_auto_grouped_flow_table(struct mlx5_flow_namespace *ns,
							    struct mlx5_flow_table_attr *ft_attr)
{
	if (ns != m.ns)
		return ERR_PTR(-EINVAL);
	return handle_new(OP_CREATE_FLOW_TABLE);
}
EXPORT_SYMBOL(mlx5_create_auto_grouped_flow_table);

int mlx5_destroy_flow_table(struct mlx5_flow_table *ft)
{
	return handle_free(ft, OP_DESTROY_FLOW_TABLE);
}
EXPORT_SYMBOL(mlx5_destroy_flow_table);

u32 mlx5_flow_table_id(struct mlx5_flow_table *ft)
{
	return ((struct model_handle *)ft)->id;
}
EXPORT_SYMBOL(mlx5_flow_table_id);

struct mlx5_flow_handle *mlx5_add_flow_rules(struct mlx5_flow_table *ft,
					     const struct mlx5_flow_spec *spec,
					     struct mlx5_flow_act *flow_act,
					     struct mlx5_flow_destination *dest, int num_dest)
{
	int i;

	mutex_lock(&m.lock);
	for (i = 0; i < num_dest; i++)
		if (dest[i].type == MLX5_FLOW_DESTINATION_TYPE_TIR &&
		    !obj_find(MO_TIR, dest[i].tir_num)) {
			mutex_unlock(&m.lock);
			return ERR_PTR(-EINVAL);
		}
	mutex_unlock(&m.lock);
	return handle_new(OP_SET_FTE);
}
EXPORT_SYMBOL(mlx5_add_flow_rules);

void mlx5_del_flow_rules(struct mlx5_flow_handle *fr)
{
	handle_free(fr, OP_DELETE_FTE);
}
EXPORT_SYMBOL(mlx5_del_flow_rules);

struct mlx5_fc *mlx5_fc_create(struct mlx5_core_dev *dev, bool aging)
{
	return handle_new(OP_ALLOC_FC);
}
EXPORT_SYMBOL(mlx5_fc_create);

void mlx5_fc_destroy(struct mlx5_core_dev *dev, struct mlx5_fc *counter)
{
	handle_free(counter, OP_DEALLOC_FC);
}
EXPORT_SYMBOL(mlx5_fc_destroy);

u32 mlx5_fc_id(struct mlx5_fc *counter)
{
	return ((struct model_handle *)counter)->id;
}
EXPORT_SYMBOL(mlx5_fc_id);

int mlx5_fc_query(struct mlx5_core_dev *dev, struct mlx5_fc *counter, u64 *packets, u64 *bytes)
{
	u32 id = ((struct model_handle *)counter)->id;
	int err = model_service(OP_QUERY_FC, &id);

	if (!err)
		*packets = *bytes = 0;
	return err;
}
EXPORT_SYMBOL(mlx5_fc_query);

/* MPFS: the L2 table the PF keeps of the MACs its functions receive.
 * Without CONFIG_MLX5_MPFS the header makes both calls no-ops, and
 * mlx5_vdpa does not import them. */
#ifdef CONFIG_MLX5_MPFS
int mlx5_mpfs_add_mac(struct mlx5_core_dev *dev, u8 *mac)
{
	struct mobj *o;
	u32 id = 0;
	int err;

	if (!is_valid_ether_addr(mac))
		return -EINVAL;
	mutex_lock(&m.lock);
	list_for_each_entry(o, &m.objs[MO_MAC], node)
		if (ether_addr_equal(o->mac, mac)) {
			mutex_unlock(&m.lock);
			return -EEXIST;
		}
	mutex_unlock(&m.lock);
	err = model_service(OP_SET_L2, &id);
	if (err)
		return err;
	mutex_lock(&m.lock);
	o = obj_find(MO_MAC, id);
	if (o)
		ether_addr_copy(o->mac, mac);
	mutex_unlock(&m.lock);
	return 0;
}
EXPORT_SYMBOL(mlx5_mpfs_add_mac);

int mlx5_mpfs_del_mac(struct mlx5_core_dev *dev, u8 *mac)
{
	struct mobj *o;
	u32 id = 0;

	mutex_lock(&m.lock);
	list_for_each_entry(o, &m.objs[MO_MAC], node)
		if (ether_addr_equal(o->mac, mac))
			id = o->id;
	mutex_unlock(&m.lock);
	if (!id)
		return -ENOENT;
	return model_service(OP_DEL_L2, &id);
}
EXPORT_SYMBOL(mlx5_mpfs_del_mac);
#endif

int mlx5_notifier_register(struct mlx5_core_dev *dev, struct notifier_block *nb)
{
	unsigned long flags;
	int err;

	spin_lock_irqsave(&m.nh_lock, flags);
	err = raw_notifier_chain_register(&m.nh, nb);
	spin_unlock_irqrestore(&m.nh_lock, flags);
	return err;
}
EXPORT_SYMBOL(mlx5_notifier_register);

int mlx5_notifier_unregister(struct mlx5_core_dev *dev, struct notifier_block *nb)
{
	unsigned long flags;
	int err;

	spin_lock_irqsave(&m.nh_lock, flags);
	err = raw_notifier_chain_unregister(&m.nh, nb);
	spin_unlock_irqrestore(&m.nh_lock, flags);
	return err;
}
EXPORT_SYMBOL(mlx5_notifier_unregister);

static int query_vport_ctx(u32 *out, int outlen)
{
	u32 in[MLX5_ST_SZ_DW(query_nic_vport_context_in)] = {};

	MLX5_SET(query_nic_vport_context_in, in, opcode, MLX5_CMD_OP_QUERY_NIC_VPORT_CONTEXT);
	return mlx5_cmd_exec(m.mdev, in, sizeof(in), out, outlen);
}

int mlx5_query_nic_vport_mac_address(struct mlx5_core_dev *mdev, u16 vport, bool other, u8 *addr)
{
	int outlen = MLX5_ST_SZ_BYTES(query_nic_vport_context_out);
	u32 *out = kvzalloc(outlen, GFP_KERNEL);
	int err;

	if (!out)
		return -ENOMEM;
	err = query_vport_ctx(out, outlen);
	if (!err)
		ether_addr_copy(addr, MLX5_ADDR_OF(query_nic_vport_context_out, out,
						   nic_vport_context.permanent_address) + 2);
	kvfree(out);
	return err;
}
EXPORT_SYMBOL(mlx5_query_nic_vport_mac_address);

int mlx5_query_nic_vport_mtu(struct mlx5_core_dev *mdev, u16 *mtu)
{
	int outlen = MLX5_ST_SZ_BYTES(query_nic_vport_context_out);
	u32 *out = kvzalloc(outlen, GFP_KERNEL);
	int err;

	if (!out)
		return -ENOMEM;
	err = query_vport_ctx(out, outlen);
	if (!err)
		*mtu = MLX5_GET(query_nic_vport_context_out, out, nic_vport_context.mtu);
	kvfree(out);
	return err;
}
EXPORT_SYMBOL(mlx5_query_nic_vport_mtu);

/* ---- debugfs ---- */

static const char *op_name(u16 op)
{
	switch (op) {
#define N(x) case MLX5_CMD_OP_##x: return #x
	N(QUERY_HCA_CAP); N(CREATE_UCTX); N(DESTROY_UCTX); N(ALLOC_PD); N(DEALLOC_PD);
	N(QUERY_SPECIAL_CONTEXTS); N(ALLOC_TRANSPORT_DOMAIN); N(DEALLOC_TRANSPORT_DOMAIN);
	N(CREATE_TIS); N(DESTROY_TIS); N(CREATE_RQT); N(MODIFY_RQT); N(DESTROY_RQT);
	N(CREATE_TIR); N(DESTROY_TIR); N(CREATE_MKEY); N(DESTROY_MKEY); N(CREATE_UMEM);
	N(DESTROY_UMEM); N(CREATE_CQ); N(DESTROY_CQ); N(CREATE_QP); N(DESTROY_QP);
	N(2RST_QP); N(RST2INIT_QP); N(INIT2RTR_QP); N(RTR2RTS_QP);
	N(CREATE_GENERAL_OBJECT); N(MODIFY_GENERAL_OBJECT); N(QUERY_GENERAL_OBJECT);
	N(DESTROY_GENERAL_OBJECT); N(MODIFY_NIC_VPORT_CONTEXT); N(QUERY_NIC_VPORT_CONTEXT);
	N(QUERY_VPORT_STATE); N(ALLOC_UAR); N(DEALLOC_UAR); N(CREATE_FLOW_TABLE);
	N(DESTROY_FLOW_TABLE); N(SET_FLOW_TABLE_ENTRY); N(DELETE_FLOW_TABLE_ENTRY);
	N(ALLOC_FLOW_COUNTER); N(DEALLOC_FLOW_COUNTER); N(QUERY_FLOW_COUNTER);
	N(SET_L2_TABLE_ENTRY); N(DELETE_L2_TABLE_ENTRY);
#undef N
	}
	return "UNKNOWN";
}

/* trace: one line per command:
 * seq t_us opcode name op_mod obj_type obj_id status syndrome sync|async inflight notes */
static int trace_show(struct seq_file *s, void *v)
{
	u32 i;

	mutex_lock(&m.lock);
	for (i = 0; i < m.ntrace; i++) {
		struct trace_ent *t = &m.trace[i];

		seq_printf(s, "%u %llu 0x%x %s 0x%x 0x%x %u 0x%x 0x%x %s %u%s%s%s\n",
			   t->seq, div_u64(t->t_ns, 1000), t->opcode, op_name(t->opcode), t->op_mod,
			   t->obj_type, t->obj_id, t->status, t->syndrome,
			   t->async ? "async" : "sync", t->inflight,
			   t->note & TN_INJECTED ? " injected" : "",
			   t->note & TN_INLEN ? " inlen" : "",
			   t->note & TN_RULE ? " rule" : "");
	}
	mutex_unlock(&m.lock);
	return 0;
}

static int trace_open(struct inode *inode, struct file *f)
{
	return single_open_size(f, trace_show, NULL, 1 << 20);
}

static ssize_t trace_write(struct file *f, const char __user *buf, size_t n, loff_t *pos)
{
	mutex_lock(&m.lock);
	m.ntrace = 0;
	m.max_seen_inflight = 0;
	mutex_unlock(&m.lock);
	return n;
}

static const struct file_operations trace_fops = {
	.owner = THIS_MODULE,
	.open = trace_open,
	.read = seq_read,
	.write = trace_write,
	.llseek = seq_lseek,
	.release = single_release,
};

/* objects: "<type> <count>" per table, then the model's counters. */
static int objects_show(struct seq_file *s, void *v)
{
	int t;

	mutex_lock(&m.lock);
	for (t = 0; t < MO_NR; t++)
		seq_printf(s, "%s %u\n", mobj_name[t], m.count[t]);
	seq_printf(s, "frag_buf %d\n", atomic_read(&m.frag_bufs));
	seq_printf(s, "commands %u\nviolations %u\ninjected %u\nmax_inflight %u\n",
		   m.seq, m.violations, m.injected, m.max_seen_inflight);
	mutex_unlock(&m.lock);
	return 0;
}

/* Writing "clear" forgets every object and host buffer: what a driver
 * left behind after a teardown command failed, which it can never free. */
static ssize_t objects_write(struct file *f, const char __user *buf, size_t n, loff_t *pos)
{
	char tmp[8] = {};
	struct mobj *o, *next;
	int t;

	if (copy_from_user(tmp, buf, min(n, sizeof(tmp) - 1)))
		return -EFAULT;
	if (strcmp(strim(tmp), "clear"))
		return -EINVAL;
	mutex_lock(&m.lock);
	for (t = 0; t < MO_NR; t++)
		list_for_each_entry_safe(o, next, &m.objs[t], node)
			obj_free(o);
	atomic_set(&m.frag_bufs, 0);
	mutex_unlock(&m.lock);
	return n;
}

DEFINE_SHOW_STORE_ATTRIBUTE(objects);

static const char *const vq_state_name[] = { "INIT", "RDY", "SUSPEND", "ERR" };
static const char *const qp_state_name[] = { "RST", "INIT", "RTR", "RTS" };

/* vqs and qps: the live objects with their state and fields. */
static int vqs_show(struct seq_file *s, void *v)
{
	struct mobj *o;

	mutex_lock(&m.lock);
	list_for_each_entry(o, &m.objs[MO_VIRTQ], node)
		seq_printf(s, "virtq %u index %u state %s size %u mkey 0x%x desc_mkey 0x%x "
			   "desc 0x%llx used 0x%llx avail 0x%llx avail_idx %u used_idx %u "
			   "features 0x%x v1 %u event %s %u\n",
			   o->id, o->vq.index, vq_state_name[o->state & 3], o->vq.size,
			   o->vq.mkey, o->vq.desc_mkey, o->vq.desc, o->vq.used, o->vq.avail,
			   o->vq.avail_idx, o->vq.used_idx, o->vq.features, o->vq.v1,
			   o->vq.event_mode == MLX5_VIRTIO_Q_EVENT_MODE_QP_MODE ? "qp" : "msix",
			   o->vq.event);
	list_for_each_entry(o, &m.objs[MO_QP], node)
		seq_printf(s, "qp %u state %s remote %u\n", o->id, qp_state_name[o->state & 3],
			   o->qp.qpn_remote);
	mutex_unlock(&m.lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vqs);

/* mkeys: each mkey and its translation entries; runs of MTT entries that
 * continue each other are printed as one "pa+len" item. */
static int mkeys_show(struct seq_file *s, void *v)
{
	struct mobj *o;
	u32 i;

	mutex_lock(&m.lock);
	seq_printf(s, "null 0x%x\n", m.null_mkey);
	list_for_each_entry(o, &m.objs[MO_MKEY], node) {
		static const char *const mode[] = { "PA", "MTT", "KLM" };

		seq_printf(s, "mkey 0x%x %s lr %u lw %u start 0x%llx len 0x%llx%s page %u n %u\n",
			   mlx5_idx_to_mkey(o->id), o->mkey.mode < 3 ? mode[o->mkey.mode] : "?",
			   o->mkey.lr, o->mkey.lw, o->mkey.start, o->mkey.len,
			   o->mkey.len64 ? " len64" : "", o->mkey.log_page_size, o->mkey.nent);
		if (o->mkey.mode == MLX5_MKC_ACCESS_MODE_KLMS) {
			struct mlx5_klm *k = o->mkey.ent;

			for (i = 0; i < o->mkey.nent; i++)
				seq_printf(s, "  klm 0x%x va 0x%llx bcount 0x%x\n",
					   be32_to_cpu(k[i].key), be64_to_cpu(k[i].va),
					   be32_to_cpu(k[i].bcount));
		} else if (o->mkey.mode == MLX5_MKC_ACCESS_MODE_MTT) {
			__be64 *e = o->mkey.ent;
			u64 pg = 1ULL << o->mkey.log_page_size;
			u64 run = 0, first = 0;
			u32 used = min_t(u64, o->mkey.nent,
					 DIV_ROUND_UP_ULL(o->mkey.len, pg));

			for (i = 0; i < used; i++) {
				u64 pa = be64_to_cpu(e[i]) & ~7ULL;

				if (run && pa == first + run * pg) {
					run++;
					continue;
				}
				if (run)
					seq_printf(s, "  mtt 0x%llx+0x%llx\n", first, run * pg);
				first = pa;
				run = 1;
			}
			if (run)
				seq_printf(s, "  mtt 0x%llx+0x%llx\n", first, run * pg);
		}
	}
	mutex_unlock(&m.lock);
	return 0;
}

static int mkeys_open(struct inode *inode, struct file *f)
{
	return single_open_size(f, mkeys_show, NULL, 1 << 20);
}

static const struct file_operations mkeys_fops = {
	.owner = THIS_MODULE,
	.open = mkeys_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
};

/* Resolves @addr in @key to a PA: 0 and *pa, 1 for the null mkey, or a
 * negative errno for an address the mkey does not translate. */
static int resolve(u32 key, u64 addr, u64 *pa, int depth)
{
	struct mobj *o;
	u64 rel;
	u32 i;

	if (key == m.null_mkey)
		return 1;
	o = obj_find(MO_MKEY, mlx5_mkey_to_idx(key));
	if (!o || depth > 2)
		return -ENOENT;
	if (o->mkey.mode == MLX5_MKC_ACCESS_MODE_PA) {
		*pa = addr;
		return 0;
	}
	if (addr < o->mkey.start || addr - o->mkey.start >= o->mkey.len)
		return -ERANGE;
	rel = addr - o->mkey.start;
	if (o->mkey.mode == MLX5_MKC_ACCESS_MODE_MTT) {
		u64 pg = 1ULL << o->mkey.log_page_size;
		u64 base = o->mkey.start & ~(pg - 1);
		u64 idx = (addr - base) >> o->mkey.log_page_size;
		__be64 *e = o->mkey.ent;

		if (idx >= o->mkey.nent)
			return -ERANGE;
		*pa = (be64_to_cpu(e[idx]) & ~7ULL) + ((addr - base) & (pg - 1));
		return 0;
	}
	if (o->mkey.mode == MLX5_MKC_ACCESS_MODE_KLMS) {
		struct mlx5_klm *k = o->mkey.ent;
		u64 pos = 0;

		for (i = 0; i < o->mkey.nent; i++) {
			u64 bc = be32_to_cpu(k[i].bcount);

			if (rel < pos + bc)
				return resolve(be32_to_cpu(k[i].key),
					       be64_to_cpu(k[i].va) + rel - pos, pa, depth + 1);
			pos += bc;
		}
		return -ERANGE;
	}
	return -EINVAL;
}

/* resolve: write "<mkey> <addr>", read "<pa>", "null" or "error <errno>". */
static ssize_t resolve_write(struct file *f, const char __user *buf, size_t n, loff_t *pos)
{
	char tmp[64];
	u32 key;
	u64 addr;

	if (n >= sizeof(tmp))
		return -EINVAL;
	if (copy_from_user(tmp, buf, n))
		return -EFAULT;
	tmp[n] = 0;
	if (sscanf(tmp, "%x %llx", &key, &addr) != 2)
		return -EINVAL;
	mutex_lock(&m.lock);
	m.res_key = key;
	m.res_addr = addr;
	mutex_unlock(&m.lock);
	return n;
}

static int resolve_show(struct seq_file *s, void *v)
{
	u64 pa = 0;
	int r;

	mutex_lock(&m.lock);
	r = resolve(m.res_key, m.res_addr, &pa, 0);
	mutex_unlock(&m.lock);
	if (r == 1)
		seq_puts(s, "null\n");
	else if (r)
		seq_printf(s, "error %d\n", r);
	else
		seq_printf(s, "0x%llx\n", pa);
	return 0;
}


DEFINE_SHOW_STORE_ATTRIBUTE(resolve);

/* inject: "seq=N", "op=0xOPCODE nth=K", "status=S", "syndrome=Y", "off". */
static ssize_t inject_write(struct file *f, const char __user *buf, size_t n, loff_t *pos)
{
	char tmp[128], *p, *tok;
	int err = 0;

	if (n >= sizeof(tmp))
		return -EINVAL;
	if (copy_from_user(tmp, buf, n))
		return -EFAULT;
	tmp[n] = 0;
	p = strim(tmp);
	mutex_lock(&m.lock);
	while (!err && (tok = strsep(&p, " \t"))) {
		u32 v;

		if (!*tok)
			continue;
		if (!strcmp(tok, "off")) {
			m.inj_seq = 0;
			m.inj_opcode = 0;
			m.inj_nth = 0;
			m.inj_count = 0;
			m.inj_status = 0;
			m.inj_syndrome = 0;
		} else if (sscanf(tok, "seq=%u", &v) == 1) {
			m.inj_seq = v;
		} else if (sscanf(tok, "op=%x", &v) == 1) {
			m.inj_opcode = v;
			m.inj_count = 0;
		} else if (sscanf(tok, "nth=%u", &v) == 1) {
			m.inj_nth = v;
			m.inj_count = 0;
		} else if (sscanf(tok, "status=%x", &v) == 1 && v && v < 256) {
			m.inj_status = v;
		} else if (sscanf(tok, "syndrome=%x", &v) == 1) {
			m.inj_syndrome = v;
		} else {
			err = -EINVAL;
		}
	}
	mutex_unlock(&m.lock);
	return err ?: n;
}

static int inject_show(struct seq_file *s, void *v)
{
	mutex_lock(&m.lock);
	seq_printf(s, "seq=%u op=0x%x nth=%u status=0x%x syndrome=0x%x next=%u\n",
		   m.inj_seq, m.inj_opcode, m.inj_nth, m.inj_status, m.inj_syndrome, m.seq + 1);
	mutex_unlock(&m.lock);
	return 0;
}


DEFINE_SHOW_STORE_ATTRIBUTE(inject);

/* link: write 0 or 1 to change the port state and send the event. */
static int link_get(void *data, u64 *val)
{
	*val = m.link_up;
	return 0;
}

static int link_set(void *data, u64 val)
{
	struct mlx5_eqe eqe = {};
	unsigned long flags;

	m.link_up = !!val;
	eqe.sub_type = val ? MLX5_PORT_CHANGE_SUBTYPE_ACTIVE : MLX5_PORT_CHANGE_SUBTYPE_DOWN;
	spin_lock_irqsave(&m.nh_lock, flags);
	raw_notifier_call_chain(&m.nh, MLX5_EVENT_TYPE_PORT_CHANGE, &eqe);
	spin_unlock_irqrestore(&m.nh_lock, flags);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(link_fops, link_get, link_set, "%llu\n");

/* ---- the PCI function and its auxiliary device ---- */

/* The management device is named after its parent's bus, "pci/<bdf>". The
 * fake function is registered bus-less (a bus must be registered before a
 * device is added to it) and then given this bus, unregistered, for its name. */
static const struct bus_type model_pci_bus = { .name = "pci" };
static u64 model_dma_mask = DMA_BIT_MASK(64);

static void pdev_release(struct device *dev)
{
	kfree(to_pci_dev(dev));
}

static void adev_release(struct device *dev)
{
	kfree(container_of(dev, struct mlx5_adev, adev.dev));
}

static int caps_init(struct mlx5_core_dev *mdev)
{
	struct mlx5_hca_cap *gen, *emu;

	gen = kzalloc(sizeof(*gen), GFP_KERNEL);
	emu = kzalloc(sizeof(*emu), GFP_KERNEL);
	if (!gen || !emu) {
		kfree(gen);
		kfree(emu);
		return -ENOMEM;
	}
	MLX5_SET(cmd_hca_cap, gen->cur, umem_uid_0, umem_uid_0);
	MLX5_SET(cmd_hca_cap, gen->cur, log_max_uctx, 4);
	MLX5_SET(cmd_hca_cap, gen->cur, log_max_rqt_size, 7);
	MLX5_SET(cmd_hca_cap, gen->cur, log_min_sf_size, 0);
	MLX5_SET64(cmd_hca_cap, gen->cur, general_obj_types,
		   MLX5_GENERAL_OBJ_TYPES_CAP_VIRTIO_NET_Q |
		   (q_counters ? BIT_ULL(MLX5_OBJ_TYPE_VIRTIO_Q_COUNTERS) : 0));
	memcpy(gen->max, gen->cur, sizeof(gen->cur));

	MLX5_SET(virtio_emulation_cap, emu->cur, virtio_version_1_0, 1);
	/* every feature mlx5_vdpa maps, bits 0..12 of the mlx5 encoding */
	MLX5_SET(virtio_emulation_cap, emu->cur, device_features_bits_mask, 0x1fff);
	MLX5_SET(virtio_emulation_cap, emu->cur, event_mode,
		 BIT(MLX5_VIRTIO_Q_EVENT_MODE_QP_MODE));
	MLX5_SET(virtio_emulation_cap, emu->cur, virtio_queue_type,
		 MLX5_VIRTIO_EMULATION_CAP_VIRTIO_QUEUE_TYPE_SPLIT);
	MLX5_SET64(virtio_emulation_cap, emu->cur, doorbell_bar_offset, 0x2000);
	MLX5_SET(virtio_emulation_cap, emu->cur, max_num_virtio_queues, max_virtio_queues);
	MLX5_SET(virtio_emulation_cap, emu->cur, desc_group_mkey_supported, desc_group_mkey);
	MLX5_SET(virtio_emulation_cap, emu->cur, freeze_to_rdy_supported, freeze_to_rdy);
	memcpy(emu->max, emu->cur, sizeof(emu->cur));

	mdev->caps.hca[MLX5_CAP_GENERAL] = gen;
	mdev->caps.hca[MLX5_CAP_VDPA_EMULATION] = emu;
	return 0;
}

static int __init model_init(void)
{
	struct pci_dev *pdev;
	struct mlx5_adev *madev;
	int err, t;

	mutex_init(&m.lock);
	spin_lock_init(&m.nh_lock);
	RAW_INIT_NOTIFIER_HEAD(&m.nh);
	for (t = 0; t < MO_NR; t++)
		INIT_LIST_HEAD(&m.objs[t]);
	/* the null mkey has its own index, outside the mkey table */
	m.null_mkey = mlx5_idx_to_mkey(0xfffff);
	m.mtu = 1500 + 22;
	m.link_up = 1;
	eth_random_addr(m.mac);
	m.mac[0] = 0x0c;	/* a fixed vendor part keeps the output readable */
	m.mac[1] = 0x42;
	m.mac[2] = 0xa1;

	m.trace = kvcalloc(TRACE_MAX, sizeof(*m.trace), GFP_KERNEL);
	m.ns = kzalloc(sizeof(struct model_handle), GFP_KERNEL);
	m.mdev = kvzalloc(sizeof(*m.mdev), GFP_KERNEL);
	m.wq = alloc_ordered_workqueue("mlx5_model", 0);
	err = -ENOMEM;
	if (!m.trace || !m.ns || !m.mdev || !m.wq)
		goto err_mem;
	err = caps_init(m.mdev);
	if (err)
		goto err_mem;

	m.dbg = debugfs_create_dir("mlx5_model", NULL);
	m.dev_root = debugfs_create_dir("dev", m.dbg);
	debugfs_create_file("trace", 0600, m.dbg, NULL, &trace_fops);
	debugfs_create_file("objects", 0600, m.dbg, NULL, &objects_fops);
	debugfs_create_file("vqs", 0400, m.dbg, NULL, &vqs_fops);
	debugfs_create_file("mkeys", 0400, m.dbg, NULL, &mkeys_fops);
	debugfs_create_file("resolve", 0600, m.dbg, NULL, &resolve_fops);
	debugfs_create_file("inject", 0600, m.dbg, NULL, &inject_fops);
	debugfs_create_file_unsafe("link", 0600, m.dbg, NULL, &link_fops);

	pdev = kzalloc(sizeof(*pdev), GFP_KERNEL);
	if (!pdev)
		goto err_dbg;
	device_initialize(&pdev->dev);
	pdev->dev.release = pdev_release;
	pdev->dev.dma_mask = &model_dma_mask;
	pdev->dev.coherent_dma_mask = DMA_BIT_MASK(64);
	pdev->vendor = PCI_VENDOR_ID_MELLANOX;
	pdev->device = 0x101d;	/* ConnectX-6 Dx */
	pdev->devfn = PCI_DEVFN(0, 2);
	set_dev_node(&pdev->dev, NUMA_NO_NODE);
	dev_set_name(&pdev->dev, "0000:fe:00.2");
	err = device_add(&pdev->dev);
	if (err) {
		put_device(&pdev->dev);
		goto err_dbg;
	}
	pdev->dev.bus = (struct bus_type *)&model_pci_bus;
	m.pdev = pdev;
	pci_set_drvdata(pdev, m.mdev);

	m.mdev->device = &pdev->dev;
	m.mdev->pdev = pdev;
	m.mdev->bar_addr = bar_addr;
	m.mdev->priv.numa_node = NUMA_NO_NODE;
	m.mdev->coredev_type = MLX5_COREDEV_PF;

	madev = kzalloc(sizeof(*madev), GFP_KERNEL);
	if (!madev)
		goto err_pdev;
	madev->mdev = m.mdev;
	madev->adev.name = "vnet";
	madev->adev.id = 0;
	madev->adev.dev.parent = &pdev->dev;
	madev->adev.dev.release = adev_release;
	err = auxiliary_device_init(&madev->adev);
	if (err) {
		kfree(madev);
		goto err_pdev;
	}
	/* No add uevent: udev would load the in-tree mlx5_vdpa, and each test
	 * loads the driver it tests itself. */
	dev_set_uevent_suppress(&madev->adev.dev, true);
	err = __auxiliary_device_add(&madev->adev, "mlx5_core");
	if (err) {
		auxiliary_device_uninit(&madev->adev);
		goto err_pdev;
	}
	m.madev = madev;
	return 0;

err_pdev:
	pdev->dev.bus = NULL;
	device_unregister(&pdev->dev);
err_dbg:
	debugfs_remove_recursive(m.dbg);
	if (!err)
		err = -ENOMEM;
err_mem:
	if (m.wq)
		destroy_workqueue(m.wq);
	if (m.mdev) {
		kfree(m.mdev->caps.hca[MLX5_CAP_GENERAL]);
		kfree(m.mdev->caps.hca[MLX5_CAP_VDPA_EMULATION]);
	}
	kvfree(m.mdev);
	kfree(m.ns);
	kvfree(m.trace);
	return err;
}

static void __exit model_exit(void)
{
	struct mobj *o, *n;
	int t;

	auxiliary_device_delete(&m.madev->adev);
	auxiliary_device_uninit(&m.madev->adev);
	m.pdev->dev.bus = NULL;
	device_unregister(&m.pdev->dev);
	destroy_workqueue(m.wq);
	debugfs_remove_recursive(m.dbg);
	for (t = 0; t < MO_NR; t++) {
		if (m.count[t])
			pr_warn("mlx5_model: %u %s objects left at unload\n", m.count[t],
				mobj_name[t]);
		list_for_each_entry_safe(o, n, &m.objs[t], node)
			obj_free(o);
	}
	kfree(m.mdev->caps.hca[MLX5_CAP_GENERAL]);
	kfree(m.mdev->caps.hca[MLX5_CAP_VDPA_EMULATION]);
	kvfree(m.mdev);
	kfree(m.ns);
	kvfree(m.trace);
}

module_init(model_init);
module_exit(model_exit);
MODULE_DESCRIPTION("ConnectX firmware model for the mlx5_vdpa tests (test only)");
MODULE_LICENSE("GPL");
