using System.Text;
using System.Text.Json;

namespace Checkup.Tests.Reliability;

/// <summary>Broken JSON bodies, and broken payloads for the trigger endpoints.</summary>
public sealed partial class HostileCorpus
{
    /// <summary>A complete form state naming the owner's images: what a correct client sends.</summary>
    private string CompleteForm(string tag = "") => JsonSerializer.Serialize(new
    {
        projects = world.OwnerImages.Take(3).Select((id, i) => new { name = $"Project {i + 1}{tag}", description = "What it was" + tag, role = "Designer", imageId = id }),
    });

    private (List<(string, byte[])> Headers, byte[] Body) Plausible(ServedEndpoint endpoint)
    {
        if (endpoint.Accepts.Any(a => a.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase)))
        {
            var (contentType, body) = Multipart("plausible-boundary", [FilePart("photo.png", Infrastructure.TestImages.Png())]);
            return ([("Content-Type", Encoding.ASCII.GetBytes(contentType))], body);
        }

        return endpoint.Accepts.Count > 0
            ? ([("Content-Type", "application/json"u8.ToArray())], Encoding.UTF8.GetBytes(CompleteForm(" (hostile)")))
            : ([], []);
    }

    private void JsonBodies(ServedEndpoint endpoint)
    {
        var form = CompleteForm(" (hostile)");
        var json = Encoding.UTF8.GetBytes(form);
        var cases = new List<(string Name, string ContentType, byte[] Body, string? IfMatch)>();
        for (var i = 0; i < 8; i++)
        {
            var cut = _random.Next(1, json.Length - 1); // any proper prefix of an object is unfinished JSON
            cases.Add(($"JSON cut after {cut} of {json.Length} bytes", "application/json", json[..cut], null));
        }

        for (var i = 0; i < 4; i++)
        {
            var broken = json.ToArray();
            var at = form.IndexOf("Project", StringComparison.Ordinal) + _random.Next(0, 7);
            broken[at] = (byte)(i % 2 == 0 ? 0xFF : 0xC3); // never valid UTF-8 here (0xC3 needs a continuation byte, and 'r'/'o' are none)
            cases.Add(($"invalid UTF-8 inside a string ({i})", "application/json", broken, null));
        }

        // Broken for any endpoint that reads JSON: syntax, nesting, size, media type, charset.
        cases.AddRange(
        [
            ("arrays nested 5000 deep", "application/json", Encoding.ASCII.GetBytes("{\"projects\":" + new string('[', 5000) + new string(']', 5000) + "}"), null),
            ("objects nested 2000 deep", "application/json", Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", 2000)) + "1" + new string('}', 2000)), null),
            ("a 300 KiB body", "application/json", Encoding.ASCII.GetBytes($$"""{"projects":[{"name":"{{new string('x', 300 * 1024)}}"}]}"""), null),
            ("a number too large for anything", "application/json", """{"projects":[{"name":1e99999}]}"""u8.ToArray(), null),
            ("NaN", "application/json", """{"projects":[{"name":NaN}]}"""u8.ToArray(), null),
            ("an empty body", "application/json", [], null),
            ("a JSON null", "application/json", "null"u8.ToArray(), null),
            ("a JSON string", "application/json", "\"projects\""u8.ToArray(), null),
            ("a single quote JSON", "application/json", "{'projects':[]}"u8.ToArray(), null),
            ("comments in JSON", "application/json", "{/*x*/\"projects\":[]}"u8.ToArray(), null),
            ("a trailing comma", "application/json", "{\"projects\":[],}"u8.ToArray(), null),
            ("text/plain", "text/plain", json, null),
            ("application/xml", "application/xml", "<projects/>"u8.ToArray(), null),
            ("form-urlencoded", "application/x-www-form-urlencoded", "projects=1"u8.ToArray(), null),
            ("multipart", "multipart/form-data; boundary=x", json, null),
            ("no content type", "", json, null),
            ("a content type with a bogus charset", "application/json; charset=klingon", json, null),
            ("a quoted bogus charset", "application/json; charset=\"klingon\"", json, null),
            ("a charset .NET does not decode", "application/json; charset=windows-1252", json, null),
            ("UTF-7, which .NET refuses to decode", "application/json; charset=utf-7", json, null),
            ("UTF-7 by its alias unicode-1-1-utf-7", "application/json; charset=unicode-1-1-utf-7", json, null),
            ("UTF-7 by its alias csUnicode11UTF7", "application/json; charset=csUnicode11UTF7", json, null),
            ("a charset outside the code pages .NET ships", "application/json; charset=iso-8859-16", json, null),
        ]);

        // Well-formed JSON that the form-state endpoints must refuse for what it says (or for its If-Match).
        if (endpoint.Pattern.StartsWith("/api/submission", StringComparison.Ordinal))
        {
            cases.AddRange(
            [
                ("a 100 KiB name (under the body limit)", "application/json", Encoding.ASCII.GetBytes($$"""{"projects":[{"name":"{{new string('x', 100 * 1024)}}"}]}"""), null),
                ("ten thousand projects", "application/json", Encoding.ASCII.GetBytes("{\"projects\":[" + string.Join(',', Enumerable.Repeat("{}", 10_000)) + "]}"), null),
                ("a lone surrogate", "application/json", """{"projects":[{"name":"\udfff"}]}"""u8.ToArray(), null),
                ("a NUL in a name", "application/json", """{"projects":[{"name":"a\u0000b"}]}"""u8.ToArray(), null),
                ("an unknown property", "application/json", """{"projects":[],"status":"submitted"}"""u8.ToArray(), null),
                ("a stranger's image", "application/json", Encoding.UTF8.GetBytes(form.Replace(world.OwnerImages[1].ToString(), world.StrangerImage.ToString(), StringComparison.Ordinal)), null),
                ("an image that does not exist", "application/json", Encoding.UTF8.GetBytes(form.Replace(world.OwnerImages[2].ToString(), Guid.NewGuid().ToString(), StringComparison.Ordinal)), null),
                ("If-Match of a version long gone", "application/json", json, "\"1\""),
                ("If-Match of a future version", "application/json", json, "\"999999\""),
                ("a weak If-Match", "application/json", json, "W/" + world.OwnerETag),
                ("an unquoted If-Match", "application/json", json, world.OwnerETag.Trim('"')),
                ("If-Match garbage", "application/json", json, "\"abc\", <script>"),
                ("If-Match of 4000 versions none current", "application/json", json, string.Join(", ", Enumerable.Range(100_000, 4000).Select(v => $"\"{v}\""))),
            ]);
        }

        foreach (var (name, contentType, body, ifMatch) in cases)
        {
            var headers = ValidAuth(endpoint);
            if (contentType.Length > 0)
            {
                headers.Add(("Content-Type", Encoding.ASCII.GetBytes(contentType)));
            }

            headers.Add(("If-Match", Encoding.ASCII.GetBytes(ifMatch ?? world.OwnerETag)));
            Add(endpoint, name, Expect.Problem, Request(endpoint, Path(endpoint), headers, body));
        }
    }
}
