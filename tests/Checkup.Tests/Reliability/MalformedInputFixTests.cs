using System.Net;
using System.Text;
using Checkup.Tests.Infrastructure;
using Checkup.Tests.Submissions;

namespace Checkup.Tests.Reliability;

/// <summary>The 5xx the hostile corpus found, each pinned by its own test.</summary>
public sealed class MalformedInputFixTests(SubmissionsFactory factory) : IClassFixture<SubmissionsFactory>
{
    [Theory]
    [InlineData("application/json; charset=klingon")]
    [InlineData("application/json; charset=\"klingon\"")]
    // Real charsets: windows-1252 decodes in this process (MetadataExtractor, a test-only package, registers the
    // code-page provider), and is refused all the same; iso-8859-16 .NET never decodes.
    [InlineData("application/json; charset=windows-1252")]
    [InlineData("application/json; charset=iso-8859-16")]
    public async Task A_json_body_in_a_charset_nobody_decodes_gets_415_and_changes_nothing(string contentType)
    {
        var user = Users.New();
        var person = new SubmissionClient(factory.ClientFor(user));
        await person.StartedAsync();
        var before = await Db.RowAsync(user);

        var response = await person.SendAsync(HttpMethod.Put, "/api/submission/draft", Body("""{"projects":[{"name":"x"}]}""", contentType), null);

        await response.ProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        Assert.Equal(before, await Db.RowAsync(user));
    }

    [Theory]
    [InlineData("/api/health", "utf-7")]
    [InlineData("/api/nothing/here", "unicode-1-1-utf-7")]
    [InlineData("/api/no-such-thing", "csUnicode11UTF7")]
    public async Task A_utf7_charset_on_any_path_gets_415_not_500_even_without_a_token(string path, string charset)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path) { Content = Body("{}", $"application/json; charset={charset}") };

        var response = await factory.CreateClient().SendAsync(request);

        await response.ProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/json; charset=\"utf-8\"")]
    [InlineData("application/json; charset=UTF-16")]
    public async Task A_json_body_in_a_charset_dotnet_decodes_is_read(string contentType)
    {
        var person = new SubmissionClient(factory.ClientFor(Users.New()));
        await person.StartedAsync();
        var encoding = contentType.Contains("16", StringComparison.Ordinal) ? Encoding.Unicode : Encoding.UTF8;

        var response = await person.SendAsync(HttpMethod.Put, "/api/submission/draft", Body("""{"projects":[{"name":"read"}]}""", contentType, encoding), null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("read", (await response.JsonAsync()).GetProperty("projects")[0].GetProperty("name").GetString());
    }

    private static ByteArrayContent Body(string json, string contentType, Encoding? encoding = null)
    {
        var content = new ByteArrayContent((encoding ?? Encoding.UTF8).GetBytes(json));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return content;
    }
}
