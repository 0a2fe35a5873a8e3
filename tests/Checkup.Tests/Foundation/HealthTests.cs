using System.Net;
using System.Text.Json;
using Checkup.Tests.Infrastructure;

namespace Checkup.Tests.Foundation;

public sealed class HealthTests
{
    [Fact]
    public async Task Health_answers_200_when_database_and_storage_are_up()
    {
        await using var factory = new CheckupFactory();
        var client = factory.CreateClient();

        var response = await client.GetAsync("/api/health");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.Equal("healthy", body.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
        Assert.Equal("healthy", body.GetProperty("checks").GetProperty("storage").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Health_answers_503_naming_the_database_when_postgres_is_down()
    {
        var deadServer = $"Host=127.0.0.1;Port={TestEnvironment.UnusedPort()};Username=postgres;Database=checkup;Timeout=2";
        await using var factory = new CheckupFactory(new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = deadServer });
        var client = factory.CreateClient();

        var response = await client.GetAsync("/api/health");
        var checks = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("checks");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("unhealthy", checks.GetProperty("database").GetProperty("status").GetString());
        Assert.Equal("healthy", checks.GetProperty("storage").GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_unhealthy_dependency_names_no_address_to_anonymous_callers_but_tells_an_admin_why()
    {
        var port = TestEnvironment.UnusedPort();
        var deadServer = $"Host=127.0.0.1;Port={port};Username=postgres;Database=checkup;Timeout=2";
        await using var factory = new CheckupFactory(new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = deadServer });

        var anonymous = await factory.CreateClient().GetAsync("/api/health");
        var anonymousText = await anonymous.Content.ReadAsStringAsync();
        var admin = await factory.ClientFor(Users.New("admin"), admin: true).GetAsync("/api/health");
        var adminDatabase = JsonDocument.Parse(await admin.Content.ReadAsStringAsync()).RootElement.GetProperty("checks").GetProperty("database");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, anonymous.StatusCode);
        Assert.Equal("unhealthy", JsonDocument.Parse(anonymousText).RootElement.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
        Assert.DoesNotContain("127.0.0.1", anonymousText, StringComparison.Ordinal);
        Assert.DoesNotContain(port.ToString(System.Globalization.CultureInfo.InvariantCulture), anonymousText, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, admin.StatusCode);
        Assert.False(string.IsNullOrEmpty(adminDatabase.GetProperty("error").GetString()));
    }

    [Fact]
    public async Task Health_answers_503_naming_storage_when_azurite_is_down()
    {
        var port = TestEnvironment.UnusedPort();
        var deadStorage = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
                          $"BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{port}/devstoreaccount1;";
        await using var factory = new CheckupFactory(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = deadStorage });
        var client = factory.CreateClient();

        var response = await client.GetAsync("/api/health");
        var checks = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("checks");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("healthy", checks.GetProperty("database").GetProperty("status").GetString());
        Assert.Equal("unhealthy", checks.GetProperty("storage").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Unknown_route_answers_problem_json_404()
    {
        await using var factory = new CheckupFactory();

        var response = await factory.CreateClient().GetAsync("/api/no-such-thing");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("not_found", body.GetProperty("code").GetString());
    }
}
