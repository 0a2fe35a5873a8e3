using System.Net.Http.Json;
using Checkup.Core.Admin;
using Checkup.Tests.Infrastructure;
using Dapper;
using Npgsql;

namespace Checkup.Tests.Admin;

/// <summary>
/// One app on its own scratch database with a Cloudinary stand-in, shared by the tests of a class. Admin listings
/// read the whole table, so each test still makes its own people and time window and finds its data by them.
/// </summary>
public sealed class AdminApp : IAsyncLifetime
{
    public ImagePipeline Pipeline { get; private set; } = null!;
    public AdminData Data { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Pipeline = await ImagePipeline.StartAsync();
        Data = new AdminData(Pipeline.ConnectionString);
    }

    public async Task DisposeAsync() => await Pipeline.DisposeAsync();

    public HttpClient Admin() => Pipeline.Client(Users.New("admin"), admin: true);
}

/// <summary>Rows written straight into the app's database, with the times and states a test needs.</summary>
public sealed class AdminData(string connectionString)
{
    public string ConnectionString => connectionString;

    public async Task<Guid> ImageAsync(string owner, string status, DateTime? createdAt = null, DateTime? updatedAt = null,
        string? error = null, int attempts = 0, DateTime? nextAttemptAt = null, DateTime? givenUpAt = null)
    {
        var id = Guid.CreateVersion7();
        var url = status == "saved-cld" ? $"https://res.cloudinary.com/{CloudinaryStandIn.CloudName}/image/upload/v1/checkup/{id}" : null;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.ExecuteAsync("""
            insert into images (id, owner_id, status, cloudinary_url, cloudinary_public_id, error, attempts, next_attempt_at, given_up_at,
                                log, created_at, updated_at)
            values (@id, @owner, @status, @url, case when @url is null then null else 'checkup/' || @id end, @error, @attempts,
                    @nextAttemptAt::timestamptz, @givenUpAt::timestamptz, '[{"at": "2026-01-01T00:00:00Z", "message": "made by the test"}]'::jsonb,
                    coalesce(@createdAt::timestamptz, now()), coalesce(@updatedAt::timestamptz, @createdAt::timestamptz, now()))
            """, new { id, owner, status, url, error, attempts, nextAttemptAt, givenUpAt, createdAt, updatedAt });
        return id;
    }

    public async Task<Guid> SubmissionAsync(string author, string status, DateTime? createdAt = null, DateTime? submittedAt = null,
        params Slot[] projects)
    {
        var id = Guid.CreateVersion7();
        var p = Enumerable.Range(0, 3).Select(i => i < projects.Length ? projects[i] : new Slot(null, null, null, null)).ToArray();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.ExecuteAsync("""
            insert into submissions (id, author_id, status, created_at, updated_at, submitted_at,
                project_1_name, project_1_role, project_1_description, project_1_image,
                project_2_name, project_2_role, project_2_description, project_2_image,
                project_3_name, project_3_role, project_3_description, project_3_image)
            values (@id, @author, @status, coalesce(@createdAt::timestamptz, now()), coalesce(@submittedAt::timestamptz, @createdAt::timestamptz, now()),
                case when @status = 'submitted' then coalesce(@submittedAt::timestamptz, @createdAt::timestamptz, now()) end,
                @n1, @r1, @d1, @i1, @n2, @r2, @d2, @i2, @n3, @r3, @d3, @i3)
            """, new
        {
            id, author, status, createdAt, submittedAt,
            n1 = p[0].Name, r1 = p[0].Role, d1 = p[0].Description, i1 = p[0].ImageId,
            n2 = p[1].Name, r2 = p[1].Role, d2 = p[1].Description, i2 = p[1].ImageId,
            n3 = p[2].Name, r3 = p[2].Role, d3 = p[2].Description, i3 = p[2].ImageId,
        });
        return id;
    }

    public async Task<T> ScalarAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return await connection.ExecuteScalarAsync<T>(sql, parameters) ?? throw new InvalidOperationException("no value: " + sql);
    }

    public async Task<List<string>> RowsAsJsonAsync(string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return (await connection.QueryAsync<string>(sql, parameters)).ToList();
    }
}

public sealed record Slot(string? Name, string? Role, string? Description, Guid? ImageId);

/// <summary>Time windows no other test uses, far in the past, so nothing the app stamps with now() falls into one.</summary>
public static class TimeWindows
{
    private static int _next;

    public static DateTime New() => new DateTime(1950, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(Interlocked.Increment(ref _next) * 10);
}

public static class AdminClient
{
    public static async Task<Page<T>> PageAsync<T>(this HttpClient admin, string url)
    {
        var response = await admin.GetAsync(url);
        Assert.True(response.IsSuccessStatusCode, $"GET {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<Page<T>>())!;
    }

    /// <summary>Every page of a listing, following nextCursor; <paramref name="between"/> runs after each page.</summary>
    public static async Task<List<T>> AllPagesAsync<T>(this HttpClient admin, string url, Func<int, Task>? between = null, int maxPages = 1000)
    {
        var items = new List<T>();
        string? cursor = null;
        for (var page = 0; page < maxPages; page++)
        {
            var separator = url.Contains('?', StringComparison.Ordinal) ? '&' : '?';
            var result = await admin.PageAsync<T>(cursor is null ? url : $"{url}{separator}cursor={Uri.EscapeDataString(cursor)}");
            items.AddRange(result.Items);
            if (result.NextCursor is null)
            {
                return items;
            }

            cursor = result.NextCursor;
            if (between is not null)
            {
                await between(page);
            }
        }

        throw new InvalidOperationException($"{url} had more than {maxPages} pages");
    }

    public static string Iso(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
