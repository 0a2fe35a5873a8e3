using System.Text;
using Checkup.Tests.Auth;

namespace Checkup.Tests.Reliability;

/// <summary>Malformed HTTP: broken request lines and headers, oversized headers, smuggling-shaped lengths.</summary>
public sealed partial class HostileCorpus
{
    private void MalformedHttp()
    {
        var target = endpoints.FirstOrDefault(e => e.Key == "GET /api/submission") ?? endpoints.First(e => !e.AllowsAnonymous && e.Method == "GET");
        var token = Encoding.ASCII.GetBytes("Bearer " + Tokens.Valid(world.Owner));
        var draft = endpoints.FirstOrDefault(e => e.Method == "PUT" && e.Accepts.Count > 0);

        // Request lines and header syntax Kestrel refuses before the app sees anything.
        Raw(target, "a request line without a version", "GET /api/submission\r\nConnection: close\r\n\r\n");
        Raw(target, "a request line with a tab", "GET\t/api/submission HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Raw(target, "a header without a colon", "GET /api/submission HTTP/1.1\r\nHost: x\r\nConnection: close\r\nno colon here\r\n\r\n");
        Raw(target, "a space before the colon", "GET /api/submission HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization : Bearer x\r\n\r\n");
        Raw(target, "no Host header", "GET /api/submission HTTP/1.1\r\nConnection: close\r\n\r\n");
        Raw(target, "two Host headers", "GET /api/submission HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n");
        Raw(target, "a line folded header", "GET /api/submission HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer\r\n x\r\n\r\n");
        Raw(target, "bare LF line ends", "GET /api/submission HTTP/1.1\nHost: x\nConnection: close\n\n");
        Raw(target, "a NUL in the request target", "GET /api/sub\0mission HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Raw(target, "a 20 KiB request target", $"GET /api/submission?{new string('q', 20 * 1024)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Raw(target, "raw non-ASCII bytes in the target", [.. "GET /api/"u8, 0xC3, 0xA9, 0xFF, .. " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"u8]);
        Raw(target, "invalid UTF-8 in a header value", [.. "GET /api/submission HTTP/1.1\r\nHost: x\r\nX-Name: "u8, 0xC3, 0x28, 0xFF, .. "\r\nConnection: close\r\n\r\n"u8]);
        Raw(target, "a control character in a header value", "GET /api/submission HTTP/1.1\r\nHost: x\r\nX-Name: a\u0001b\r\nConnection: close\r\n\r\n");
        Raw(target, "70 KiB of headers", $"GET /api/submission HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{string.Concat(Enumerable.Range(0, 70).Select(i => $"X-Pad-{i}: {new string('h', 1020)}\r\n"))}\r\n");
        Raw(target, "a 40 KiB header", $"GET /api/submission HTTP/1.1\r\nHost: x\r\nX-Big: {new string('h', 40 * 1024)}\r\nConnection: close\r\n\r\n");
        if (draft is not null)
        {
            var json = Encoding.UTF8.GetBytes(CompleteForm(" (smuggled)"));
            var headers = Encoding.ASCII.GetBytes($"PUT {draft.Pattern} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {Tokens.Valid(world.Owner)}\r\nContent-Type: application/json\r\nIf-Match: {world.OwnerETag}\r\n");
            Raw(draft, "Content-Length that is no number", [.. headers, .. "Content-Length: abc\r\n\r\n"u8, .. json]);
            Raw(draft, "a negative Content-Length", [.. headers, .. "Content-Length: -5\r\n\r\n"u8, .. json]);
            Raw(draft, "two different Content-Lengths", [.. headers, .. Encoding.ASCII.GetBytes($"Content-Length: {json.Length}\r\nContent-Length: 3\r\n\r\n"), .. json]);
            Raw(draft, "Transfer-Encoding chunked and Content-Length", [.. headers, .. Encoding.ASCII.GetBytes($"Content-Length: {json.Length}\r\nTransfer-Encoding: chunked\r\n\r\n"), .. json]);
            Raw(draft, "an unknown Transfer-Encoding", [.. headers, .. "Transfer-Encoding: gzip\r\n\r\n"u8, .. json]);
            Raw(draft, "a chunked body that never ends", [.. headers, .. "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"pro\r\n"u8], sendOnly: true, expect: Expect.Gone);
        }

        // Well-formed HTTP whose target is nothing the app serves: answered by the app (404), with no token needed.
        foreach (var path in new[] { "/api/%ZZ", "/api/images/%C3%28", "/api/..%2f..%2fetc%2fpasswd", "/%2e%2e/%2e%2e/etc/passwd", "/api/admin/%2e%2e%2f" })
        {
            Add(target, $"target {path}", Expect.Problem, new RawRequest("", "GET", path, [("Authorization", token)], []));
        }

        Add(target, "target with an encoded NUL", Expect.Protocol, new RawRequest("", "GET", "/api/submission%00", [("Authorization", token)], []));
    }

    private void Raw(ServedEndpoint endpoint, string name, string request) => Raw(endpoint, name, Encoding.Latin1.GetBytes(request));

    private void Raw(ServedEndpoint endpoint, string name, byte[] request, bool sendOnly = false, Expect expect = Expect.Protocol) =>
        Add(endpoint, name, expect, new RawRequest("", "", "", [], []) { Verbatim = request, SendOnly = sendOnly ? request.Length : null });
}
