import { Empty, PageHeader } from "../components/ui.tsx";
import { Link } from "../router.tsx";

export function NotFoundPage() {
  return (
    <>
      <PageHeader title="Page not found" />
      <Empty title="There is nothing at this address.">
        <p>
          <Link href="/services">Go to your services</Link>
        </p>
      </Empty>
    </>
  );
}
