using System.Text.Json;
using System.Text.RegularExpressions;
using Checkup.Tests.Submissions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace Checkup.Tests.Api;

public sealed partial class OpenApiTests(SubmissionsFactory factory) : IClassFixture<SubmissionsFactory>
{
    [Fact]
    public async Task The_document_is_valid_openapi_3_and_lists_every_route_the_app_serves()
    {
        var response = await factory.CreateClient().GetAsync("/api/openapi.json");
        var json = await response.Content.ReadAsStringAsync();
        var read = OpenApiDocument.Parse(json, "json");

        response.EnsureSuccessStatusCode();
        Assert.StartsWith("3.", JsonDocument.Parse(json).RootElement.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        Assert.Empty(read.Diagnostic!.Errors);
        Assert.Empty(read.Document!.Validate(ValidationRuleSet.GetDefaultRuleSet())!);

        var documented = read.Document!.Paths
            .SelectMany(p => p.Value.Operations!.Keys.Select(m => $"{m.Method.ToUpperInvariant()} {Normalize(p.Key)}"))
            .ToHashSet();
        var served = Served().Select(e => e.Key).ToHashSet();
        Assert.Empty(served.Except(documented));   // an endpoint nobody can discover
        Assert.Empty(documented.Except(served));   // a documented endpoint that does not exist
    }

    [Fact]
    public async Task The_server_url_never_comes_from_the_request_host_header()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/openapi.json");
        request.Headers.Host = "evil.example";

        var response = await factory.CreateClient().SendAsync(request);
        var servers = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("servers");

        response.EnsureSuccessStatusCode();
        Assert.Equal("/", servers[0].GetProperty("url").GetString());
        Assert.All(servers.EnumerateArray(), s => Assert.DoesNotContain("evil.example", s.GetProperty("url").GetString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_operation_documents_its_success_its_errors_as_problem_json_and_its_auth()
    {
        var json = await factory.CreateClient().GetStringAsync("/api/openapi.json");
        var document = OpenApiDocument.Parse(json, "json").Document!;
        var anonymous = Served().Where(e => e.AllowsAnonymous).Select(e => e.Key).ToHashSet();

        foreach (var (path, item) in document.Paths)
        {
            foreach (var (method, operation) in item.Operations!)
            {
                var key = $"{method.Method.ToUpperInvariant()} {Normalize(path)}";
                var responses = operation.Responses!;
                Assert.Contains(responses.Keys, status => status.StartsWith('2'));
                foreach (var (status, answer) in responses.Where(r => r.Key.StartsWith('4') || r.Key.StartsWith('5')))
                {
                    Assert.True(answer.Content?.ContainsKey("application/problem+json") == true, $"{key} {status} is not problem+json");
                }

                if (!anonymous.Contains(key))
                {
                    Assert.True(responses.ContainsKey("401"), $"{key} does not document 401");
                    Assert.NotEmpty(operation.Security!);
                }
            }
        }
    }

    [Fact]
    public async Task Submission_operations_document_their_outcomes_schemas_and_etag()
    {
        var json = await factory.CreateClient().GetStringAsync("/api/openapi.json");
        var document = OpenApiDocument.Parse(json, "json").Document!;

        var draft = document.Paths["/api/submission/draft"].Operations![HttpMethod.Put];
        var submit = document.Paths["/api/submission/submit"].Operations![HttpMethod.Post];

        Assert.Equal(["200", "400", "401", "404", "409", "412", "413", "415", "422", "429"], draft.Responses!.Keys.Order());
        Assert.Equal(["200", "400", "401", "404", "409", "412", "413", "415", "422", "429"], submit.Responses!.Keys.Order());
        Assert.NotNull(draft.RequestBody!.Content!["application/json"].Schema);
        Assert.Contains(draft.Parameters!, p => p.Name == "If-Match" && p.In == ParameterLocation.Header);
        Assert.True(draft.Responses["200"].Headers!.ContainsKey("ETag"));
        Assert.True(draft.Responses["412"].Headers!.ContainsKey("ETag"));
        var schemas = document.Components!.Schemas!;
        Assert.True(schemas["Submission"].Properties!.ContainsKey("blockingReasons"));
        Assert.True(schemas["VersionMismatchProblem"].Properties!.ContainsKey("current"));
        Assert.True(schemas["ProblemDetails"].Properties!.ContainsKey("code"));
        Assert.True(schemas["FormState"].Properties!.ContainsKey("projects"));
    }

    private sealed record ServedEndpoint(string Key, bool AllowsAnonymous);

    /// <summary>Every /api endpoint but the document itself.</summary>
    private List<ServedEndpoint> Served()
    {
        factory.CreateClient();
        return factory.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.TrimStart('/').StartsWith("api/", StringComparison.Ordinal))
            .Where(e => e.RoutePattern.RawText!.TrimStart('/') != "api/openapi.json")
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods
                .Select(m => new ServedEndpoint($"{m} {Normalize(e.RoutePattern.RawText!)}", e.Metadata.GetMetadata<IAllowAnonymous>() is not null)))
            .ToList();
    }

    private static string Normalize(string route) => "/" + RouteConstraint().Replace(route.Trim('/'), "{$1}").ToLowerInvariant();

    [GeneratedRegex(@"\{\*?([A-Za-z0-9_]+)(:[^}]*)?\??\}")]
    private static partial Regex RouteConstraint();
}
