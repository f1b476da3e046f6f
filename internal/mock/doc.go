// Package mock is the reference mock of nicconform: a faithful, stateful,
// concurrency-safe emulator of the "detach a NIC from a server" endpoint
// (DELETE /v2.1/{project_id}/servers/{server_id}/os-interface/{port_id},
// Huawei Cloud ECS, OpenStack Nova compatible) and of the neighbour calls the
// conformance suite needs: show server, lock/unlock, list/show/attach NICs,
// and create/show/rename/delete/find ports on the network endpoint (/v2.0).
//
// It exists for two reasons. First, the suite runs against it by default, so
// the suite can be developed and run without a cloud. Second, its
// deviations (see [Deviations]) each break exactly one rule of the catalog,
// so the suite can be proven to catch every break (mutation testing). The
// reference behaviour is written without them: it passes a few named
// points (points.go: "auth checked", "method not allowed", "path id
// malformed", "not attached", "detach accepted", "detach completes", "port
// fate", "response written", …) where a deviation's hooks may change what
// happens, and each deviation's hooks sit in its row of the deviation
// table (deviations.go). Adding a deviation is a row there and its probe in
// deviations_test.go.
//
// The world is in memory and guarded by one mutex: one project, one network
// with one subnet (192.168.0.0/16), and N ACTIVE servers, each with its
// primary NIC. Detach is asynchronous, as on the real cloud: the 202 comes
// at once and the NIC leaves after [Options.Delay]. The port's fate depends
// on how the NIC was attached: with port_id the port is kept and unbound,
// with net_id it is deleted.
//
// Two profiles pick the expectations where the clouds differ:
// [ProfileHuawei] (the primary NIC is protected with 403, a port that is not
// attached answers 404) and [ProfileNova] (upstream OpenStack: no primary
// concept, an unattached port answers 202 and nothing happens). Two error
// shapes pick the error bodies: [ErrorsNova] (a Nova fault,
// {"itemNotFound":{"code":404,"message":"…"}}) and [ErrorsHuawei]
// ({"error":{"code":"Ecs.0085","message":"…"}}). Under the huawei profile
// the network endpoints use the same configured error shape as the compute
// endpoints; under the nova profile they answer Neutron's
// {"NeutronError":{"type","message","detail"}} and a refused credential
// keystonemiddleware's 401 with WWW-Authenticate, as upstream OpenStack
// does (docs/openstack.md, "The mock learns real Nova").
//
// Version discovery is served as Nova and Neutron serve it, without
// credentials: GET / is Nova's version list and GET /v2.1 (and /v2.1/) its
// v2.1 document, whose "version" is the highest compute microversion the
// mock serves ([MaxMicroversion]); GET /v2.1/{project_id}/ answers the same
// document with credentials (gophercloud asks its endpoint). The network
// endpoint has a root of its own at [NetworkRoot] (/networking, as devstack
// serves Neutron): GET /networking/ is Neutron's version list, GET
// /networking/v2.0/ (or /v2.0/) its resources, and the ports API is under
// it as well as at the root.
//
// Compute requests are served at the microversion they ask for
// (X-OpenStack-Nova-API-Version: X.Y or OpenStack-API-Version: compute X.Y,
// or "latest"; none is 2.1), which every compute answer names in both
// headers and in Vary; a malformed version answers 400, one outside 2.1 to
// [MaxMicroversion] ([NovaMaxMicroversion], Nova Zed's, under the nova
// profile) 406, as Nova does. What changes with the version:
// "locked" in a server from 2.9, a NIC's "tag" accepted at attach from
// 2.49 and shown from 2.70, and from 2.73 a lock with a "locked_reason",
// shown on the server.
//
// Every response carries X-Openstack-Request-Id (compute responses also
// X-Compute-Request-Id). Paths are routed on the escaped path, each segment
// decoded on its own, so an encoded slash stays inside its id and makes it
// malformed (huawei 400, nova 404). Huawei error codes are the cloud's
// (Ecs.*, APIGW.0301) where docs/reference.md §2 names one, else "Mock.<Name>".
// Request bodies are limited to 64 KiB (413). Requests that net/http itself
// rejects before any handler runs (an invalid percent escape in the
// request line, say) get net/http's plain 400, without a request id.
//
// Use it as a library with [New] (an [http.Handler]) or [NewServer] (a
// loopback HTTP server in the spirit of httptest.NewServer), or from the
// command line with `nicconform mock`.
package mock
