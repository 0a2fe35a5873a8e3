using System.Net;
using System.Text;
using Checkup.Tests.Infrastructure;

namespace Checkup.Tests.Submissions;

/// <summary>Bad input gets a clear 4xx problem+json, never a 5xx, and changes nothing.</summary>
public sealed class BadInputTests(SubmissionsFactory factory) : IClassFixture<SubmissionsFactory>
{
    /// <summary>Bodies are looked up by name, so test names stay readable (one of them is a megabyte).</summary>
    private static readonly (string Name, string Body, HttpStatusCode Status, string Code)[] Cases =
    [
            ("truncated JSON", """{"projects": [{"name": "x" """, HttpStatusCode.BadRequest, "invalid_json"),
            ("not JSON at all", "name=x", HttpStatusCode.BadRequest, "invalid_json"),
            ("a number for a name", """{"projects": [{"name": 5}]}""", HttpStatusCode.BadRequest, "invalid_json"),
            ("an image id that is no uuid", """{"projects": [{"imageId": "not-a-uuid"}]}""", HttpStatusCode.BadRequest, "invalid_json"),
            ("projects as a string", """{"projects": "all of them"}""", HttpStatusCode.BadRequest, "invalid_json"),
            ("a slot as text", """{"projects": [{"slot": "one"}]}""", HttpStatusCode.BadRequest, "invalid_json"),
            ("an unknown top-level property", """{"projects": [], "status": "submitted"}""", HttpStatusCode.BadRequest, "invalid_json"),
            ("an unknown project property", """{"projects": [{"title": "x"}]}""", HttpStatusCode.BadRequest, "invalid_json"),
            ("no projects property", "{}", HttpStatusCode.BadRequest, "invalid_json"),
            ("a JSON null body", "null", HttpStatusCode.BadRequest, "bad_request"),
            ("an array body", "[]", HttpStatusCode.BadRequest, "invalid_json"),
            ("deep nesting", new string('[', 200) + new string(']', 200), HttpStatusCode.BadRequest, "invalid_json"),
            ("projects null", """{"projects": null}""", HttpStatusCode.BadRequest, "bad_request"),
            ("a null project", """{"projects": [null]}""", HttpStatusCode.BadRequest, "bad_request"),
            ("four projects", """{"projects": [{}, {}, {}, {"name": "fourth"}]}""", HttpStatusCode.BadRequest, "bad_request"),
            ("slot 4", """{"projects": [{"slot": 4, "name": "x"}]}""", HttpStatusCode.BadRequest, "bad_request"),
            ("slot 0", """{"projects": [{"slot": 0, "name": "x"}]}""", HttpStatusCode.BadRequest, "bad_request"),
            ("slots out of place", """{"projects": [{"slot": 2}, {"slot": 1}]}""", HttpStatusCode.BadRequest, "bad_request"),
            ("a 201-character name", $$"""{"projects": [{"name": "{{new string('n', 201)}}"}]}""", HttpStatusCode.BadRequest, "bad_request"),
            ("a 201-character role", $$"""{"projects": [{"role": "{{new string('r', 201)}}"}]}""", HttpStatusCode.BadRequest, "bad_request"),
            ("a 5001-character description", $$"""{"projects": [{}, {"description": "{{new string('d', 5001)}}"}]}""", HttpStatusCode.BadRequest, "bad_request"),
            ("a NUL character", """{"projects": [{"name": "a\u0000b"}]}""", HttpStatusCode.BadRequest, "bad_request"),
            ("a lone surrogate", """{"projects": [{"name": "a\ud800b"}]}""", HttpStatusCode.BadRequest, "invalid_json"),
            ("a 1 MB body", $$"""{"projects": [{"name": "{{new string('x', 1024 * 1024)}}"}]}""", HttpStatusCode.RequestEntityTooLarge, "payload_too_large"),
    ];

    public static TheoryData<string, string, HttpStatusCode, string> Bodies()
    {
        var data = new TheoryData<string, string, HttpStatusCode, string>();
        foreach (var path in new[] { "PUT /api/submission/draft", "POST /api/submission/submit" })
        {
            foreach (var c in Cases)
            {
                data.Add(path, c.Name, c.Status, c.Code);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task Bad_body_gets_a_4xx_problem_and_changes_nothing(string endpoint, string @case, HttpStatusCode status, string code)
    {
        var body = Cases.Single(c => c.Name == @case).Body;
        var (user, person) = await StartedWithContentAsync();
        var before = await Db.RowAsync(user);
        var (method, path) = Split(endpoint);

        var response = await person.SendRawAsync(method, path, body);

        var problem = await response.ProblemAsync(status, code);
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        Assert.Equal(before, await Db.RowAsync(user));
    }

    [Theory]
    [InlineData("PUT /api/submission/draft")]
    [InlineData("POST /api/submission/submit")]
    public async Task A_huge_chunked_body_without_content_length_gets_413_and_changes_nothing(string endpoint)
    {
        var (user, person) = await StartedWithContentAsync();
        var before = await Db.RowAsync(user);
        var (method, path) = Split(endpoint);
        var json = Encoding.UTF8.GetBytes($$"""{"projects": [{"name": "{{new string('x', 2 * 1024 * 1024)}}"}]}""");
        var content = new StreamContent(new UnknownLengthStream(json));
        content.Headers.ContentType = new("application/json");

        var response = await person.SendAsync(method, path, content, null);

        await response.ProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        Assert.Equal(before, await Db.RowAsync(user));
    }

    [Theory]
    [InlineData("PUT /api/submission/draft")]
    [InlineData("POST /api/submission/submit")]
    public async Task An_empty_body_gets_400_that_says_a_json_body_is_needed_in_words_not_the_frameworks(string endpoint)
    {
        var (user, person) = await StartedWithContentAsync();
        var before = await Db.RowAsync(user);
        var (method, path) = Split(endpoint);

        var response = await person.SendRawAsync(method, path, "");

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest, "bad_request");
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("JSON body", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("parameter", detail, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before, await Db.RowAsync(user));
    }

    [Theory]
    [InlineData("PUT /api/submission/draft", "text/plain")]
    [InlineData("POST /api/submission/submit", "application/x-www-form-urlencoded")]
    public async Task A_body_that_is_not_json_gets_415_and_changes_nothing(string endpoint, string contentType)
    {
        var (user, person) = await StartedWithContentAsync();
        var before = await Db.RowAsync(user);
        var (method, path) = Split(endpoint);

        var response = await person.SendRawAsync(method, path, """{"projects": []}""", contentType);

        await response.ProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        Assert.Equal(before, await Db.RowAsync(user));
    }

    [Fact]
    public async Task Fields_at_exactly_their_limits_are_stored()
    {
        var (_, person) = await StartedWithContentAsync();
        var name = new string('n', 200);
        var description = string.Concat(Enumerable.Repeat("é", 5000));

        var save = await person.SaveAsync(Forms.Of(Forms.Project(name, description, new string('r', 200), null)));
        var stored = (await save.JsonAsync()).GetProperty("projects")[0];

        Assert.Equal(HttpStatusCode.OK, save.StatusCode);
        Assert.Equal(name, stored.GetProperty("name").GetString());
        Assert.Equal(description, stored.GetProperty("description").GetString());
    }

    /// <summary>A draft with some content, so "nothing changed" compares real data.</summary>
    private async Task<(string User, SubmissionClient Client)> StartedWithContentAsync()
    {
        var user = Users.New();
        var person = new SubmissionClient(factory.ClientFor(user));
        await person.StartedAsync();
        var save = await person.SaveAsync(Forms.Of(Forms.Project("Kept", "Kept too", "Kept as well", null)));
        Assert.Equal(HttpStatusCode.OK, save.StatusCode);
        return (user, person);
    }

    private static (HttpMethod, string) Split(string endpoint) =>
        endpoint.Split(' ') is [var method, var path] ? (new HttpMethod(method), path) : throw new ArgumentException(endpoint);

    /// <summary>Sends its bytes without announcing a length, so the request goes chunked.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
