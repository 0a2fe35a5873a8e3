using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Checkup.Tests.Infrastructure;
using Dapper;
using Npgsql;

namespace Checkup.Tests.Submissions;

/// <summary>One app for a test class; every test still makes its own users and rows.</summary>
public sealed class SubmissionsFactory() : CheckupFactory(null);

/// <summary>The submission endpoints as one person's browser tab calls them.</summary>
public sealed class SubmissionClient(HttpClient http)
{
    public HttpClient Http => http;

    public Task<HttpResponseMessage> GetAsync() => http.GetAsync("/api/submission");

    public Task<HttpResponseMessage> StartAsync() => http.PostAsync("/api/submission", null);

    public Task<HttpResponseMessage> SaveAsync(object form, string? ifMatch = null) => SendAsync(HttpMethod.Put, "/api/submission/draft", JsonContent.Create(form), ifMatch);

    public Task<HttpResponseMessage> SubmitAsync(object form, string? ifMatch = null) => SendAsync(HttpMethod.Post, "/api/submission/submit", JsonContent.Create(form), ifMatch);

    public Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, string body, string contentType = "application/json") =>
        SendAsync(method, path, new StringContent(body, Encoding.UTF8, contentType), null);

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, string? ifMatch)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return http.SendAsync(request);
    }

    /// <summary>Starts the draft and returns its JSON.</summary>
    public async Task<JsonElement> StartedAsync()
    {
        var response = await StartAsync();
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"start answered {response.StatusCode}");
        return await response.JsonAsync();
    }
}

public static class Forms
{
    public static object Project(string? name, string? description, string? role, Guid? imageId) =>
        new { name, description, role, imageId };

    public static object Of(params object[] projects) => new { projects };

    /// <summary>Three complete projects using <paramref name="images"/>; <paramref name="tag"/> makes the text distinct.</summary>
    public static object Complete(IReadOnlyList<Guid> images, string tag = "") => Of(
        Project("Portfolio site" + tag, "A static site with a CMS" + tag, "Designer" + tag, images[0]),
        Project("Mobile app" + tag, "A habit tracker" + tag, "Developer" + tag, images[1]),
        Project("Brand refresh" + tag, "Logo and type system" + tag, "Lead" + tag, images[2]));
}

public static class Db
{
    /// <summary>An image row; a <c>cld-upload-failure</c> is still being retried unless <paramref name="failedForGood"/>.</summary>
    public static async Task<Guid> ImageAsync(string ownerId, string status = "saved-cld", bool failedForGood = false)
    {
        var id = Guid.CreateVersion7();
        await using var connection = new NpgsqlConnection(TestEnvironment.Postgres);
        await connection.ExecuteAsync("""
            insert into images (id, owner_id, status, cloudinary_url, error, attempts, next_attempt_at)
            values (@id, @ownerId, @status,
                    case when @status = 'saved-cld' then 'https://res.cloudinary.com/checkup-test/image/upload/checkup/' || @id else null end,
                    case when @status like '%failure' then 'simulated failure' else null end,
                    case when @status = 'cld-upload-failure' then 1 else 0 end,
                    case when @status = 'cld-upload-failure' and not @failedForGood then now() + interval '1 minute' else null end)
            """, new { id, ownerId, status, failedForGood });
        return id;
    }

    public static async Task<Guid[]> ImagesAsync(string ownerId, int count = 3, string status = "saved-cld")
    {
        var ids = new Guid[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = await ImageAsync(ownerId, status);
        }

        return ids;
    }

    /// <summary>The author's row as JSON text (every column), for "nothing changed" comparisons; null when there is none.</summary>
    public static async Task<string?> RowAsync(string authorId)
    {
        await using var connection = new NpgsqlConnection(TestEnvironment.Postgres);
        return await connection.QuerySingleOrDefaultAsync<string>("select row_to_json(s)::text from submissions s where author_id = @authorId", new { authorId });
    }

    public static async Task<(int Version, string Status)> VersionAsync(string authorId)
    {
        await using var connection = new NpgsqlConnection(TestEnvironment.Postgres);
        return await connection.QuerySingleAsync<(int, string)>("select version, status from submissions where author_id = @authorId", new { authorId });
    }
}

public static class HttpAssertions
{
    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    /// <summary>Asserts the status and a problem+json body with that <c>code</c>; returns the body.</summary>
    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal(code, body.GetProperty("code").GetString());
        Assert.Equal((int)status, body.GetProperty("status").GetInt32());
        return body;
    }

    public static string? ETag(this HttpResponseMessage response) => response.Headers.ETag?.ToString();
}
