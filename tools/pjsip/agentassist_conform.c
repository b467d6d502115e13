/*
 * agentassist request validation: a pjsip module that answers a request RFC 3261 would refuse before
 * pjsua's call logic sees it, and mends the one old form the RFC says to accept.
 *
 * Built into libpjsua by tools/build-pjsua2.sh (added to PJSUA_LIB_OBJS) and registered by pjsua_init()
 * right after pjsua's own module (the build patches pjsua_core.c to call agentassist_conform_register).
 *
 * Priority PJSIP_MOD_PRIORITY_TSX_LAYER - 1: after the transport layer has parsed the message, before
 * the transaction layer matches it, so a refused request never gets a transaction, a dialog or a call,
 * and a request that only looks like a retransmission (same branch, other sender) is caught before the
 * transaction layer takes it for one. Every refusal is a stateless response (RFC 3261 8.2: the UAS core
 * may answer these without a transaction); a retransmission of a refused request is refused again.
 *
 * What is checked, in this order, with the answer (docs/sip-conformance.md has the table):
 *   Content-Length past the end of a UDP datagram        400 Content-Length Larger Than Message (18.3)
 *   two Call-ID, From, To, CSeq, Max-Forwards,
 *     Content-Length or Content-Type headers             400 Multiple <Header> Headers (20, 7.3.1)
 *   CSeq method other than the request's                 400 CSeq Method Does Not Match (8.1.1.5)
 *   Call-ID or From/To URI past AGENTASSIST_SIP_ID_MAX   400 <Header> Longer Than N Characters
 *   Request-URI scheme other than sip, sips, tel         416 Unsupported URI Scheme (8.2.2.1)
 *   Via branch of a live transaction, other sent-by      400 Via Branch Not Unique (8.1.1.7, 17.2.3)
 *   a method pjsua does not take                         405 + Allow, or 501 when unknown (8.2.1)
 *   Require with an option not in Supported              420 + Unsupported (8.2.2.3)
 *   INVITE/OPTIONS whose Accept excludes application/sdp 406 Not Acceptable (8.2.3, 21.4.7)
 * and mended: an INVITE with no Contact (RFC 2543) gets one made of its From URI (RFC 4475 3.4).
 * ACK is never answered (17.1.1.3); CANCEL skips the Require check (8.2.2.3).
 */
#include <pjsip.h>
#include <pjlib.h>

#define THIS_FILE "agentassist_conform.c"

#ifndef AGENTASSIST_SIP_ID_MAX
/* The longest Call-ID and From/To URI kept whole: pjsua prints them into PJSIP_MAX_URL_SIZE buffers. */
#   define AGENTASSIST_SIP_ID_MAX (PJSIP_MAX_URL_SIZE - 1)
#endif

static pj_bool_t on_rx_request(pjsip_rx_data *rdata);

static pjsip_module mod_conform = {
    NULL, NULL,                           /* prev, next */
    { "mod-agentassist-conform", 23 },    /* name */
    -1,                                   /* id */
    PJSIP_MOD_PRIORITY_TSX_LAYER - 1,     /* priority */
    NULL, NULL, NULL, NULL,               /* load, start, stop, unload */
    &on_rx_request,                       /* on_rx_request */
    NULL, NULL, NULL, NULL,               /* on_rx_response, on_tx_request, on_tx_response, on_tsx_state */
};

static pjsip_endpoint *conform_endpt;
static unsigned long refused_count;

PJ_DEF(pj_status_t) agentassist_conform_register(pjsip_endpoint *endpt)
{
    conform_endpt = endpt;
    return pjsip_endpt_register_module(endpt, &mod_conform);
}

/* Requests refused so far (for a test or a metric). */
PJ_DEF(unsigned long) agentassist_conform_refused(void)
{
    return refused_count;
}

static pj_bool_t refuse(pjsip_rx_data *rdata, int code, const char *reason, const pjsip_hdr *hdrs)
{
    pj_str_t text = pj_str((char *)reason);
    ++refused_count;
    PJ_LOG(3, (THIS_FILE, "refused %.*s from %s:%d: %d %s",
               (int)rdata->msg_info.msg->line.req.method.name.slen,
               rdata->msg_info.msg->line.req.method.name.ptr,
               rdata->pkt_info.src_name, rdata->pkt_info.src_port, code, reason));
    pjsip_endpt_respond_stateless(conform_endpt, rdata, code, &text, hdrs, NULL);
    return PJ_TRUE;
}

static unsigned count_hdrs(const pjsip_msg *msg, pjsip_hdr_e type)
{
    unsigned n = 0;
    const pjsip_hdr *h = NULL;
    while ((h = (const pjsip_hdr *)pjsip_msg_find_hdr(msg, type, h ? h->next : NULL)) != NULL)
        ++n;
    return n;
}

static pj_bool_t str_in_array(const pj_str_t *value, const pjsip_generic_array_hdr *array)
{
    unsigned i;
    if (array == NULL)
        return PJ_FALSE;
    for (i = 0; i < array->count; ++i) {
        if (pj_stricmp(value, &array->values[i]) == 0)
            return PJ_TRUE;
    }
    return PJ_FALSE;
}

/* "application/sdp;q=0.5 " -> "application/sdp" */
static pj_str_t media_range(const pj_str_t *value)
{
    pj_str_t s = *value;
    char *semi = pj_memchr(s.ptr, ';', s.slen);
    if (semi)
        s.slen = semi - s.ptr;
    pj_strtrim(&s);
    return s;
}

static pj_bool_t accepts_sdp(const pjsip_accept_hdr *accept)
{
    static const pj_str_t ok[] = { { "application/sdp", 15 }, { "application/*", 13 }, { "*/*", 3 } };
    unsigned i, j;
    if (accept->count == 0)
        return PJ_TRUE;  /* an empty Accept: no body wanted; a response without SDP is the caller's to take */
    for (i = 0; i < accept->count; ++i) {
        pj_str_t range = media_range(&accept->values[i]);
        for (j = 0; j < PJ_ARRAY_SIZE(ok); ++j) {
            if (pj_stricmp(&range, &ok[j]) == 0)
                return PJ_TRUE;
        }
    }
    return PJ_FALSE;
}

static int uri_len(pjsip_uri_context_e context, const pjsip_uri *uri)
{
    char buf[AGENTASSIST_SIP_ID_MAX + 2];
    int len = pjsip_uri_print(context, uri, buf, sizeof(buf));
    return len < 0 ? AGENTASSIST_SIP_ID_MAX + 1 : len;  /* -1: did not fit */
}

/* RFC 3261 17.2.3: a request matches a server transaction by branch, sent-by and method. pjsip's key
 * has the branch and method only, so a request from another sender reusing a live branch would be
 * taken for a retransmission and answered with the other request's response. */
static pj_bool_t branch_taken_by_other(pjsip_rx_data *rdata)
{
    const pjsip_via_hdr *via = rdata->msg_info.via, *their;
    pjsip_transaction *tsx;
    pj_str_t key;

    if (via == NULL || pj_strnicmp2(&via->branch_param, PJSIP_RFC3261_BRANCH_ID, PJSIP_RFC3261_BRANCH_LEN))
        return PJ_FALSE;  /* RFC 2543 matching takes the whole request into account */
    if (pjsip_tsx_create_key(rdata->tp_info.pool, &key, PJSIP_ROLE_UAS, &rdata->msg_info.cseq->method,
                             rdata) != PJ_SUCCESS)
        return PJ_FALSE;
    tsx = pjsip_tsx_layer_find_tsx(&key, PJ_FALSE);  /* pjsua polls on one thread: no lock needed */
    if (tsx == NULL || tsx->last_tx == NULL || tsx->last_tx->msg == NULL)
        return PJ_FALSE;
    their = (const pjsip_via_hdr *)pjsip_msg_find_hdr(tsx->last_tx->msg, PJSIP_H_VIA, NULL);
    if (their == NULL)
        return PJ_FALSE;
    return pj_stricmp(&their->sent_by.host, &via->sent_by.host) != 0
        || their->sent_by.port != via->sent_by.port;
}

static pj_bool_t is_rfc_method(const pj_str_t *name)
{
    static const char *known[] = { "INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "PRACK",
                                   "SUBSCRIBE", "NOTIFY", "PUBLISH", "INFO", "REFER", "MESSAGE", "UPDATE" };
    unsigned i;
    for (i = 0; i < PJ_ARRAY_SIZE(known); ++i) {
        if (pj_strcmp2(name, known[i]) == 0)
            return PJ_TRUE;
    }
    return PJ_FALSE;
}

static void add_contact_from_from(pjsip_rx_data *rdata)
{
    pjsip_contact_hdr *contact = pjsip_contact_hdr_create(rdata->tp_info.pool);
    contact->uri = (pjsip_uri *)pjsip_uri_clone(rdata->tp_info.pool, rdata->msg_info.from->uri);
    pjsip_msg_add_hdr(rdata->msg_info.msg, (pjsip_hdr *)contact);
    PJ_LOG(4, (THIS_FILE, "INVITE without Contact from %s:%d (RFC 2543): Contact taken from From",
               rdata->pkt_info.src_name, rdata->pkt_info.src_port));
}

static pj_bool_t on_rx_request(pjsip_rx_data *rdata)
{
    pjsip_msg *msg = rdata->msg_info.msg;
    const pjsip_method *method = &msg->line.req.method;
    static const struct { pjsip_hdr_e type; const char *reason; } singles[] = {
        { PJSIP_H_CALL_ID, "Multiple Call-ID Headers" },
        { PJSIP_H_FROM, "Multiple From Headers" },
        { PJSIP_H_TO, "Multiple To Headers" },
        { PJSIP_H_CSEQ, "Multiple CSeq Headers" },
        { PJSIP_H_MAX_FORWARDS, "Multiple Max-Forwards Headers" },
        { PJSIP_H_CONTENT_LENGTH, "Multiple Content-Length Headers" },
        { PJSIP_H_CONTENT_TYPE, "Multiple Content-Type Headers" },
    };
    char reason[80];
    const pjsip_hdr *allow;
    const pjsip_require_hdr *require;
    const pjsip_accept_hdr *accept;
    pjsip_uri *ruri;
    unsigned i;

    if (method->id == PJSIP_ACK_METHOD)
        return PJ_FALSE;  /* never answered: an ACK that matches nothing is dropped by pjsip */

    if (rdata->msg_info.clen && (rdata->tp_info.transport->flag & PJSIP_TRANSPORT_DATAGRAM)) {
        /* pjsip reads a datagram to its end whatever Content-Length says (18.3: over UDP it counts) */
        int body_len = msg->body ? (int)msg->body->len : 0;
        if (rdata->msg_info.clen->len > body_len)
            return refuse(rdata, 400, "Content-Length Larger Than Message", NULL);
        if (msg->body && rdata->msg_info.clen->len < body_len)
            msg->body->len = rdata->msg_info.clen->len;  /* 18.3: the octets past it are discarded */
    }
    for (i = 0; i < PJ_ARRAY_SIZE(singles); ++i) {
        if (count_hdrs(msg, singles[i].type) > 1)
            return refuse(rdata, 400, singles[i].reason, NULL);
    }
    if (pjsip_method_cmp(method, &rdata->msg_info.cseq->method) != 0)
        return refuse(rdata, 400, "CSeq Method Does Not Match Request Method", NULL);
    if (rdata->msg_info.cid->id.slen > AGENTASSIST_SIP_ID_MAX) {
        pj_ansi_snprintf(reason, sizeof(reason), "Call-ID Longer Than %d Characters", AGENTASSIST_SIP_ID_MAX);
        return refuse(rdata, 400, reason, NULL);
    }
    if (uri_len(PJSIP_URI_IN_FROMTO_HDR, rdata->msg_info.from->uri) > AGENTASSIST_SIP_ID_MAX
        || uri_len(PJSIP_URI_IN_FROMTO_HDR, rdata->msg_info.to->uri) > AGENTASSIST_SIP_ID_MAX) {
        pj_ansi_snprintf(reason, sizeof(reason), "From or To URI Longer Than %d Characters",
                         AGENTASSIST_SIP_ID_MAX);
        return refuse(rdata, 400, reason, NULL);
    }

    ruri = msg->line.req.uri;
    if (!PJSIP_URI_SCHEME_IS_SIP(ruri) && !PJSIP_URI_SCHEME_IS_SIPS(ruri) && !PJSIP_URI_SCHEME_IS_TEL(ruri))
        return refuse(rdata, 416, "Unsupported URI Scheme", NULL);

    if (branch_taken_by_other(rdata))
        return refuse(rdata, 400, "Via Branch Not Unique", NULL);

    allow = pjsip_endpt_get_capability(conform_endpt, PJSIP_H_ALLOW, NULL);
    if (allow && !str_in_array(&method->name, (const pjsip_generic_array_hdr *)allow)) {
        if (is_rfc_method(&method->name)) {
            pjsip_hdr hdrs;
            pj_list_init(&hdrs);
            pj_list_push_back(&hdrs, pjsip_hdr_clone(rdata->tp_info.pool, allow));
            return refuse(rdata, 405, "Method Not Allowed", &hdrs);
        }
        return refuse(rdata, 501, "Not Implemented", NULL);
    }

    require = (const pjsip_require_hdr *)pjsip_msg_find_hdr(msg, PJSIP_H_REQUIRE, NULL);
    if (require && method->id != PJSIP_CANCEL_METHOD) {
        const pjsip_hdr *supported = pjsip_endpt_get_capability(conform_endpt, PJSIP_H_SUPPORTED, NULL);
        pjsip_unsupported_hdr *unsupported = pjsip_unsupported_hdr_create(rdata->tp_info.pool);
        for (; require != NULL;
             require = (const pjsip_require_hdr *)pjsip_msg_find_hdr(msg, PJSIP_H_REQUIRE, require->next)) {
            for (i = 0; i < require->count && unsupported->count < PJSIP_GENERIC_ARRAY_MAX_COUNT; ++i) {
                pj_str_t tag = require->values[i];
                pj_strtrim(&tag);
                if (!str_in_array(&tag, (const pjsip_generic_array_hdr *)supported))
                    unsupported->values[unsupported->count++] = tag;
            }
        }
        if (unsupported->count) {
            pjsip_hdr hdrs;
            pj_list_init(&hdrs);
            pj_list_push_back(&hdrs, unsupported);
            return refuse(rdata, 420, "Bad Extension", &hdrs);
        }
    }

    if (method->id == PJSIP_INVITE_METHOD || method->id == PJSIP_OPTIONS_METHOD) {
        accept = (const pjsip_accept_hdr *)pjsip_msg_find_hdr(msg, PJSIP_H_ACCEPT, NULL);
        if (accept && !accepts_sdp(accept))
            return refuse(rdata, 406, "Not Acceptable: Only application/sdp", NULL);
    }

    if (method->id == PJSIP_INVITE_METHOD && rdata->msg_info.to->tag.slen == 0
        && pjsip_msg_find_hdr(msg, PJSIP_H_CONTACT, NULL) == NULL)
        add_contact_from_from(rdata);
    return PJ_FALSE;
}
